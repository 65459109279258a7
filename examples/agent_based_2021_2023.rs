//! scratch
use carbonsim::scenario::agent_based;
use carbonsim::scenario::config::ScenarioConfig;

fn main() {
    let path = std::env::args()
        .nth(1)
        .unwrap_or("examples/scenarios/agent_based_2021_2023.toml".into());
    let config = ScenarioConfig::from_path(std::path::Path::new(&path)).unwrap();
    let t = std::time::Instant::now();
    let run = agent_based::run(&config, config.seed).unwrap();
    eprintln!("elapsed {:?}", t.elapsed());
    println!("{:#?}", run.calibration);
    println!("{:#?}", run.compliance);
    println!("{:?} {:#?}", run.flow, run.activity);
    for d in run.days.iter().filter(|d| {
        d.date.to_string().starts_with("2023-09-0") || d.date.to_string().starts_with("2023-04-1")
    }) {
        println!("ROW {:?}", d);
    }
    for c in run.certificates.iter().step_by(3) {
        println!("CERT {:?}", c);
    }
    for d in run.series("CCER").step_by(40) {
        println!("CCER {:?}", d);
    }
    for d in run.series("GEC").step_by(40) {
        println!("GEC {:?}", d);
    }
    for d in run.series("COMCEA").step_by(20) {
        println!(
            "{} {} {} {}",
            d.date, d.close, d.listed_volume, d.block_volume
        );
    }
}
#[allow(dead_code)]
fn unused() {}
