//! The examples run as tests so they never rot.

#[path = "../examples/custom_agent.rs"]
mod custom_agent;

#[test]
fn custom_agent_runs() {
    custom_agent::main();
}
