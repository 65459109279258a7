//! Dense identifiers of the registry: accounts and subjects are indices into `Vec`s, so every
//! hot-path look-up is an array access.

use std::fmt;

use serde::{Deserialize, Serialize};

/// An account, numbered densely from 0 in opening order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct AccountId(pub u32);

/// A registry subject (one fungible instrument: a CEA vintage, a CCER project vintage, a GEC
/// batch), numbered densely from 0 in registration order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct SubjectId(pub u32);

/// A CCER project, numbered densely from 0 in filing order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct ProjectId(pub u32);

/// A renewable generator registered for GEC issuance, numbered densely from 0.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct GeneratorId(pub u32);

impl AccountId {
    /// The index into the registry's account vectors.
    #[must_use]
    pub const fn index(self) -> usize {
        self.0 as usize
    }
}

impl SubjectId {
    /// The index into the registry's subject vector.
    #[must_use]
    pub const fn index(self) -> usize {
        self.0 as usize
    }
}

impl fmt::Display for AccountId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "account#{}", self.0)
    }
}

impl fmt::Display for SubjectId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "subject#{}", self.0)
    }
}

impl fmt::Display for ProjectId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "project#{}", self.0)
    }
}

impl fmt::Display for GeneratorId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "generator#{}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_display_their_number_and_index_densely() {
        assert_eq!(AccountId(7).to_string(), "account#7");
        assert_eq!(SubjectId(3).index(), 3);
        assert_eq!(ProjectId(1).to_string(), "project#1");
        assert_eq!(GeneratorId(2).to_string(), "generator#2");
    }
}
