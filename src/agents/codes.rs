//! Comparing exchange codes. Codes are short and share prefixes (`CEA21`, `CEA22`, `CCER-P001`),
//! and a covered entity compares them millions of times a run (each holding against each
//! allowance vintage, every day): an inline byte loop, last byte first for equality, tells them
//! apart without a call to the C library's `memcmp` per comparison.

/// Whether `a` and `b` are the same code.
#[inline]
pub(crate) fn same(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().rev().zip(b.bytes().rev()).all(|(x, y)| x == y)
}

/// Whether `code` starts with `prefix`.
#[inline]
pub(crate) fn has_prefix(code: &str, prefix: &str) -> bool {
    code.len() >= prefix.len() && code.bytes().zip(prefix.bytes()).all(|(x, y)| x == y)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_compare_like_strings() {
        let codes = [
            "",
            "C",
            "CEA",
            "CEA21",
            "CEA22",
            "CCER",
            "CCER-P001",
            "GEC-G03-2023-09",
        ];
        for a in codes {
            for b in codes {
                assert_eq!(same(a, b), a == b, "{a} == {b}");
                assert_eq!(has_prefix(a, b), a.starts_with(b), "{a} starts with {b}");
            }
        }
    }
}
