//! The `carbonsim` command-line front end: parses arguments, calls the library, prints a short
//! summary. All logic lives in the library.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use carbonsim::report::{Manifest, OutputDir, OutputSet};
use carbonsim::scenario::config::{MAX_SEEDS, ScenarioConfig};
use carbonsim::scenario::montecarlo::{self, SeedRange, Shard};
use carbonsim::scenario::overrides::Override;
use carbonsim::scenario::replay::{self, ReplayConfig};
use carbonsim::scenario::study::analysis::{self, Analysis, Methods};
use carbonsim::scenario::study::calibrate::objective::Weight;
use carbonsim::scenario::study::calibrate::{self, CalibrationPlan, Settings};
use carbonsim::scenario::study::compare;
use carbonsim::scenario::study::design::{self, GridAxis, Range};
use carbonsim::scenario::study::sweep::{self, MAX_SWEEP_RUNS, SweepOutput, SweepPlan};
use carbonsim::scenario::{agent_based, agent_report, replay_report, study};
use carbonsim::timeline::Timeline;
use chrono::NaiveDate;
use clap::{Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};

/// Exact, deterministic simulation of China's carbon markets (CEA allowances, CCER, GEC).
#[derive(Debug, Parser)]
#[command(name = "carbonsim", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Replay the national carbon market day by day through the exchange and compare the
    /// simulated market with the published one (writes CSV, JSON and SVG files).
    Replay {
        /// First trading day to replay (YYYY-MM-DD, from 2021-07-16).
        #[arg(long, default_value = "2021-07-16")]
        from: NaiveDate,
        /// Last trading day to replay (YYYY-MM-DD, up to 2023-12-29).
        #[arg(long, default_value = "2023-12-29")]
        to: NaiveDate,
        /// Seed for the synthetic entities that carry the trades.
        #[arg(long, default_value_t = 42)]
        seed: u64,
        /// Folder for the outputs (created if missing).
        #[arg(long, default_value = "out/replay")]
        out: PathBuf,
        #[command(flatten)]
        output: OutputArgs,
    },
    /// Run an agent-based scenario file (TOML or JSON) and compare the simulated market with the
    /// published one (writes CSV, JSON and SVG files).
    Run {
        /// The scenario file (.toml or .json).
        scenario: PathBuf,
        /// Change a scenario value for this run: a dotted path and a TOML value, e.g.
        /// `--set fleet.compliance_firms=500` or
        /// `--set policy.cycles.2019-2020.offsets.limit_pct=10`. Repeatable; checked as the file is.
        #[arg(long = "set", value_name = "PATH=VALUE", value_parser = parse_override)]
        set: Vec<Override>,
        /// Seed (default: the scenario's).
        #[arg(long)]
        seed: Option<u64>,
        /// Folder for the outputs (default: the scenario's `output.dir`, or `out/<its name>`).
        #[arg(long)]
        out: Option<PathBuf>,
        #[command(flatten)]
        output: OutputArgs,
    },
    /// Run a scenario over many seeds in parallel and summarise them in percentile bands; with
    /// --shard, run one deterministic slice of the seeds and write it for `merge`.
    Montecarlo {
        /// The scenario file (.toml or .json).
        scenario: PathBuf,
        /// Change a scenario value for this run: a dotted path and a TOML value, e.g.
        /// `--set fleet.compliance_firms=500` or
        /// `--set policy.cycles.2019-2020.offsets.limit_pct=10`. Repeatable; checked as the file is.
        #[arg(long = "set", value_name = "PATH=VALUE", value_parser = parse_override)]
        set: Vec<Override>,
        /// Number of seeds (default: the scenario's `montecarlo.seeds`).
        #[arg(long)]
        seeds: Option<u32>,
        /// First seed; the study runs first, first + 1, … (default: the scenario's seed).
        #[arg(long)]
        first_seed: Option<u64>,
        /// Worker threads (default: one per core). Results do not depend on it.
        #[arg(long)]
        threads: Option<usize>,
        /// Run only slice i of n (0-based, e.g. 3/8) and write `shard-i-of-n.json`.
        #[arg(long)]
        shard: Option<Shard>,
        /// Folder for the outputs (default: the `run` folder + `/montecarlo`).
        #[arg(long)]
        out: Option<PathBuf>,
        #[command(flatten)]
        output: OutputArgs,
    },
    /// Run a scenario over a grid or a Latin hypercube of parameter points, every point over
    /// the same seeds, in parallel; writes `runs.csv` (one row per point and seed) and
    /// `points.csv` (median, p5 and p95 of each statistic per point). With --shard, run one
    /// deterministic slice of the runs and write it for `merge`.
    Sweep(SweepCommand),
    /// Global sensitivity of every headline statistic to parameter ranges: Morris elementary
    /// effects and Sobol first- and total-order indices (Saltelli sampling); writes
    /// `indices.csv`, a bar chart and the runs behind them.
    Sensitivity(SensitivityCommand),
    /// Calibrate parameters by simulated moments: Nelder–Mead in the given boxes minimises the
    /// weighted relative distance between the seeds' mean statistics and the published ones;
    /// writes the calibrated scenario, `history.csv`, `fit.md` and `report.json`. Every
    /// evaluation is checkpointed; --resume continues a stopped calibration.
    Calibrate(CalibrateCommand),
    /// Compare two or more run, Monte Carlo or sweep folders: `compare.csv` (each statistic side
    /// by side, differences against the first, bands for studies and each sweep point) and an
    /// overlay price chart with the published series. Folders of different carbonsim versions
    /// are refused.
    Compare {
        /// The folders (written by `run`, `montecarlo`, `sweep` or a `merge`); the first is the
        /// baseline.
        #[arg(required = true, num_args = 2..)]
        dirs: Vec<PathBuf>,
        /// Folder for the outputs.
        #[arg(long, default_value = "out/compare")]
        out: PathBuf,
        #[command(flatten)]
        output: OutputArgs,
    },
    /// Print the policy timeline a run uses: compliance cycles, deadlines with their interim
    /// targets, allocation, offsets, borrowing and penalty rules, vintages and the calendar,
    /// each with its source (the published timeline, or a scenario's with its `[policy]`).
    Timeline {
        /// A scenario file whose `[policy]` overrides the published timeline.
        scenario: Option<PathBuf>,
        /// Change a scenario value first, as `run --set` does (needs a scenario).
        #[arg(long = "set", value_name = "PATH=VALUE", value_parser = parse_override)]
        set: Vec<Override>,
        /// Print the timeline as JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Combine the shard files of one study (Monte Carlo or sweep) into the study's outputs.
    Merge {
        /// Shard files written by `montecarlo --shard` or `sweep --shard`.
        #[arg(required = true)]
        shards: Vec<PathBuf>,
        /// Folder for the outputs.
        #[arg(long, default_value = "out/montecarlo")]
        out: PathBuf,
        /// Name shown in the charts and `study.json` (default: the scenario's name recorded in the
        /// shards, or its hash for shard files that did not record it).
        #[arg(long)]
        name: Option<String>,
        #[command(flatten)]
        output: OutputArgs,
    },
}

/// The options of `carbonsim sweep`.
#[derive(Debug, clap::Args)]
struct SweepCommand {
    /// The scenario file (.toml or .json).
    scenario: PathBuf,
    /// Change a scenario value for every point (as `run --set`). Repeatable.
    #[arg(long = "set", value_name = "PATH=VALUE", value_parser = parse_override)]
    set: Vec<Override>,
    /// A grid axis: a dotted path and its values, e.g. `--grid fleet.compliance_firms=500,1000`.
    /// Several axes combine as a product, the first varying slowest.
    #[arg(long = "grid", value_name = "PATH=V1,V2,…")]
    grid: Vec<GridAxis>,
    /// Run N points of a Latin hypercube over the --range intervals (drawn from the
    /// scenario's seed) instead of a grid.
    #[arg(long, value_name = "N")]
    lhs: Option<usize>,
    /// An interval for --lhs: `PATH=lo:hi`. Repeatable.
    #[arg(long = "range", value_name = "PATH=LO:HI")]
    range: Vec<Range>,
    /// Seeds per point: the scenario's seed, seed + 1, … (default: the scenario's
    /// `montecarlo.seeds`).
    #[arg(long)]
    seeds: Option<u32>,
    /// Worker threads (default: one per core). Results do not depend on it.
    #[arg(long)]
    threads: Option<usize>,
    /// Run only slice i of n of the (point, seed) list and write `shard-i-of-n.json`.
    #[arg(long)]
    shard: Option<Shard>,
    /// Folder for the outputs (default: the `run` folder + `/sweep`).
    #[arg(long)]
    out: Option<PathBuf>,
    #[command(flatten)]
    output: OutputArgs,
}

/// The options of `carbonsim sensitivity`.
#[derive(Debug, clap::Args)]
struct SensitivityCommand {
    /// The scenario file (.toml or .json).
    scenario: PathBuf,
    /// Change a scenario value for every run (as `run --set`). Repeatable.
    #[arg(long = "set", value_name = "PATH=VALUE", value_parser = parse_override)]
    set: Vec<Override>,
    /// The parameters and their ranges, `PATH=lo:hi` (several after one --params, or
    /// repeated).
    #[arg(long = "params", value_name = "PATH=LO:HI", num_args = 1.., required = true)]
    params: Vec<Range>,
    /// Which indices to estimate.
    #[arg(long, value_enum, default_value_t = MethodArg::Both)]
    method: MethodArg,
    /// Morris trajectories (each runs parameters + 1 points).
    #[arg(long, default_value_t = 10)]
    trajectories: usize,
    /// Morris grid levels.
    #[arg(long, default_value_t = 4)]
    levels: usize,
    /// Saltelli base samples (each runs parameters + 2 points).
    #[arg(long, default_value_t = 64)]
    samples: usize,
    /// Seeds per point (the statistics are averaged over them, common to all points).
    #[arg(long, default_value_t = 1)]
    seeds: u32,
    /// The statistic drawn in `indices.svg` (a column of `runs.csv`; default
    /// `close_path_mape`).
    #[arg(long)]
    statistic: Option<String>,
    /// Worker threads (default: one per core). Results do not depend on it.
    #[arg(long)]
    threads: Option<usize>,
    /// Folder for the outputs (default: the `run` folder + `/sensitivity`).
    #[arg(long)]
    out: Option<PathBuf>,
    #[command(flatten)]
    output: OutputArgs,
}

/// The options of `carbonsim calibrate`.
#[derive(Debug, clap::Args)]
struct CalibrateCommand {
    /// The scenario file (.toml or .json).
    scenario: PathBuf,
    /// Change a scenario value before calibrating (as `run --set`). Repeatable.
    #[arg(long = "set", value_name = "PATH=VALUE", value_parser = parse_override)]
    set: Vec<Override>,
    /// A parameter and its box, `PATH=lo:hi`. Repeatable.
    #[arg(long = "param", value_name = "PATH=LO:HI")]
    params: Vec<Range>,
    /// The weight of one target statistic, `KEY=W` (a key of `fit.md`; default 1, 0 drops it).
    /// Repeatable.
    #[arg(long = "weight", value_name = "KEY=W")]
    weights: Vec<Weight>,
    /// Seeds per evaluation (the same for every evaluation).
    #[arg(long, default_value_t = 4)]
    seeds: u32,
    /// The most evaluations of the objective.
    #[arg(long, default_value_t = 100)]
    max_evals: usize,
    /// Stop when the standard deviation of the objective over the simplex is below this.
    #[arg(long, default_value_t = calibrate::DEFAULT_TOLERANCE)]
    tolerance: f64,
    /// Continue from the checkpoint in --out (evaluations already made are not run again).
    #[arg(long)]
    resume: bool,
    /// Worker threads (default: one per core). Results do not depend on it.
    #[arg(long)]
    threads: Option<usize>,
    /// Folder for the outputs (default: the `run` folder + `/calibrate`).
    #[arg(long)]
    out: Option<PathBuf>,
    #[command(flatten)]
    output: OutputArgs,
}

/// The indices `sensitivity` estimates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum MethodArg {
    /// Morris elementary effects.
    Morris,
    /// Sobol indices.
    Sobol,
    /// Both.
    Both,
}

/// The most worker threads a study may ask for.
const MAX_THREADS: usize = 1_024;

/// How a command writes its outputs.
#[derive(Debug, clap::Args)]
struct OutputArgs {
    /// Print nothing but errors (no progress bar).
    #[arg(long)]
    quiet: bool,
    /// Write into a folder that holds another run's files (its manifest names another command
    /// or scenario), replacing them.
    #[arg(long)]
    force: bool,
}

/// What a command reports when it fails: printed as `carbonsim: error: …`.
type CliResult = Result<(), Box<dyn std::error::Error>>;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Replay {
            from,
            to,
            seed,
            out,
            output,
        } => run_replay(ReplayConfig { from, to, seed }, &out, &output),
        Command::Run {
            scenario,
            set,
            seed,
            out,
            output,
        } => run_scenario((&scenario, &set), seed, out, &output),
        Command::Montecarlo {
            scenario,
            set,
            seeds,
            first_seed,
            threads,
            shard,
            out,
            output,
        } => run_montecarlo(
            (&scenario, &set),
            (seeds, first_seed),
            threads,
            shard,
            out,
            &output,
        ),
        Command::Sweep(c) => run_sweep(&c),
        Command::Sensitivity(c) => run_sensitivity(&c),
        Command::Calibrate(c) => run_calibrate(&c),
        Command::Compare { dirs, out, output } => run_compare(&dirs, &out, &output),
        Command::Merge {
            shards,
            out,
            name,
            output,
        } => run_merge(&shards, &out, name, &output),
        Command::Timeline {
            scenario,
            set,
            json,
        } => print_timeline(scenario.as_deref(), &set, json),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("carbonsim: error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// A scenario file with `--set` overrides applied.
type ScenarioArgs<'a> = (&'a Path, &'a [Override]);

fn load_scenario(
    (path, overrides): ScenarioArgs<'_>,
) -> Result<ScenarioConfig, Box<dyn std::error::Error>> {
    let config = ScenarioConfig::from_path(path)?;
    if overrides.is_empty() {
        return Ok(config);
    }
    Ok(config.with_overrides(overrides)?)
}

/// `overrides.txt`, recording every `--set` of a run (none written without one).
fn record_overrides(
    set: &mut OutputSet,
    overrides: &[Override],
) -> Result<(), carbonsim::report::ReportError> {
    if overrides.is_empty() {
        return Ok(());
    }
    let mut lines = String::new();
    for line in override_lines(overrides) {
        let _ = writeln!(lines, "{line}");
    }
    set.add("overrides.txt", lines)
}

/// One `path = value` line per override, as `overrides.txt` holds them.
fn override_lines(overrides: &[Override]) -> Vec<String> {
    overrides
        .iter()
        .map(|o| format!("{} = {}", o.path(), o.value()))
        .collect()
}

fn parse_override(text: &str) -> Result<Override, String> {
    Override::parse(text).map_err(|e| e.to_string())
}

fn run_scenario(
    scenario: ScenarioArgs<'_>,
    seed: Option<u64>,
    out: Option<PathBuf>,
    output: &OutputArgs,
) -> CliResult {
    let started = Instant::now();
    let config = load_scenario(scenario)?;
    let seed = seed.unwrap_or(config.seed);
    let dir = OutputDir::prepare(out.unwrap_or_else(|| config.output_dir()))?
        .claim(Manifest::new("run", &config.name, seed), output.force)?;
    let run = agent_based::run(&config, seed)?;
    let mut set = agent_report::outputs(&run, &config.output)?;
    record_overrides(&mut set, scenario.1)?;
    let files = dir.commit(&set)?;
    if !output.quiet {
        print!("{}", agent_report::table(&run));
        println!("wrote {} files to {}", files.len(), dir.path().display());
        println!(
            "simulated {} trading days in {:.2?}",
            run.series("COMCEA").count(),
            started.elapsed()
        );
    }
    Ok(())
}

fn progress_bar(total: usize, quiet: bool) -> ProgressBar {
    progress_bar_of(total, quiet, "seeds")
}

fn progress_bar_of(total: usize, quiet: bool, what: &str) -> ProgressBar {
    if quiet {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(total as u64);
    if let Ok(style) = ProgressStyle::with_template(&format!(
        "{{elapsed_precise}} [{{bar:40}}] {{pos}}/{{len}} {what} (eta {{eta}})"
    )) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar
}

fn run_montecarlo(
    scenario: ScenarioArgs<'_>,
    (seeds, first_seed): (Option<u32>, Option<u64>),
    threads: Option<usize>,
    shard: Option<Shard>,
    out: Option<PathBuf>,
    output: &OutputArgs,
) -> CliResult {
    let started = Instant::now();
    let config = load_scenario(scenario)?;
    let count = seeds.unwrap_or(config.montecarlo.seeds);
    if count == 0 || count > MAX_SEEDS {
        return Err(format!(
            "--seeds {count}: a study runs 1 to {MAX_SEEDS} seeds (about 10 KiB each)"
        )
        .into());
    }
    check_threads(threads)?;
    let first = first_seed.unwrap_or(config.seed);
    if first.checked_add(u64::from(count) - 1).is_none() {
        return Err(format!(
            "--first-seed {first}: {count} seeds from it pass the largest seed, {}",
            u64::MAX
        )
        .into());
    }
    let range = SeedRange { first, count };
    let shard = shard.unwrap_or(Shard::WHOLE);
    let out = out.unwrap_or_else(|| config.output_dir().join("montecarlo"));
    let dir = OutputDir::prepare(out)?.claim(
        Manifest::new("montecarlo", &config.name, first),
        output.force,
    )?;
    // Shards of one study may share a folder; each adds its file.
    let dir = if shard == Shard::WHOLE {
        dir
    } else {
        dir.accumulating()
    };
    let pool = thread_pool(threads)?;
    let bar = progress_bar(shard.slice(&range.seeds()).len(), output.quiet);
    let result = pool.install(|| study::run_study(&config, range, shard, |_| bar.inc(1)));
    bar.finish_and_clear();
    let study = result?;
    // A whole study is summarised; a shard is only written for `merge`.
    let mut set = if shard == Shard::WHOLE {
        study::outputs(&study, &config.name, config.output.charts)?
    } else {
        OutputSet::new()
    };
    study::add_shard_file(&mut set, &study)?;
    record_overrides(&mut set, scenario.1)?;
    let files = dir.commit(&set)?;
    if !output.quiet && shard == Shard::WHOLE {
        print!(
            "{}",
            study::statistics_table(&study::statistic_bands(&study))
        );
    }
    if !output.quiet {
        println!(
            "ran {} of {} seeds (shard {shard}) in {:.2?}; wrote {} files to {}",
            study.runs.len(),
            count,
            started.elapsed(),
            files.len(),
            dir.path().display()
        );
    }
    Ok(())
}

fn print_timeline(scenario: Option<&Path>, overrides: &[Override], json: bool) -> CliResult {
    let timeline = match scenario {
        Some(path) => load_scenario((path, overrides))?.timeline()?,
        None if overrides.is_empty() => Timeline::published()?,
        None => return Err("--set needs a scenario file".into()),
    };
    if json {
        println!("{}", serde_json::to_string_pretty(timeline.spec())?);
    } else {
        print!("{}", timeline.describe());
    }
    Ok(())
}

fn check_threads(threads: Option<usize>) -> CliResult {
    if let Some(t) = threads.filter(|t| *t == 0 || *t > MAX_THREADS) {
        return Err(
            format!("--threads {t}: use 1 to {MAX_THREADS} (results do not depend on it)").into(),
        );
    }
    Ok(())
}

fn thread_pool(threads: Option<usize>) -> Result<rayon::ThreadPool, rayon::ThreadPoolBuildError> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads.unwrap_or(0))
        .build()
}

/// The sweep's plan from its options: a grid or a Latin hypercube, checked against `config`.
fn sweep_plan(
    config: &ScenarioConfig,
    args: &SweepCommand,
) -> Result<SweepPlan, Box<dyn std::error::Error>> {
    let seeds = args.seeds.unwrap_or(config.montecarlo.seeds);
    let design = match (args.grid.is_empty(), args.lhs) {
        (false, None) if args.range.is_empty() => design::grid(&args.grid)?,
        (true, Some(n)) if !args.range.is_empty() => {
            if n > MAX_SWEEP_RUNS {
                return Err(
                    format!("--lhs {n}: a sweep runs at most {MAX_SWEEP_RUNS} runs").into(),
                );
            }
            design::latin_hypercube(config, &args.range, n)?
        }
        (true, Some(_)) => return Err("--lhs needs at least one --range PATH=lo:hi".into()),
        (true, None) if !args.range.is_empty() => {
            return Err("--range is for --lhs N; a grid is given with --grid PATH=v1,v2".into());
        }
        (true, None) => {
            return Err("give a design: --grid PATH=v1,v2,… or --lhs N --range PATH=lo:hi".into());
        }
        _ => return Err("--grid and --lhs/--range are two designs: give one".into()),
    };
    Ok(SweepPlan::new(config, design, seeds)?)
}

fn run_sweep(args: &SweepCommand) -> CliResult {
    let (scenario, threads, output) = ((&*args.scenario, &*args.set), args.threads, &args.output);
    let shard = args.shard;
    let started = Instant::now();
    let config = load_scenario(scenario)?;
    check_threads(threads)?;
    let plan = sweep_plan(&config, args)?.recording(override_lines(scenario.1));
    let shard = shard.unwrap_or(Shard::WHOLE);
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| config.output_dir().join("sweep"));
    let dir = OutputDir::prepare(out)?.claim(
        Manifest::new("sweep", &config.name, config.seed),
        output.force,
    )?;
    let dir = if shard == Shard::WHOLE {
        dir
    } else {
        dir.accumulating()
    };
    let pool = thread_pool(threads)?;
    let bar = progress_bar_of(shard.slice(&plan.runs()).len(), output.quiet, "runs");
    let result = pool.install(|| plan.run(shard, |_| bar.inc(1)));
    bar.finish_and_clear();
    let sweep = result?;
    let set = sweep::outputs(&sweep)?;
    let files = dir.commit(&set)?;
    if !output.quiet {
        println!(
            "ran {} in {:.2?}; wrote {} files to {}",
            sweep::describe(&sweep),
            started.elapsed(),
            files.len(),
            dir.path().display()
        );
    }
    Ok(())
}

fn run_sensitivity(args: &SensitivityCommand) -> CliResult {
    let (scenario, threads, output) = ((&*args.scenario, &*args.set), args.threads, &args.output);
    let params = args.params.clone();
    let started = Instant::now();
    let config = load_scenario(scenario)?;
    check_threads(threads)?;
    let methods = Methods {
        morris: (args.method != MethodArg::Sobol).then_some((args.trajectories, args.levels)),
        sobol: (args.method != MethodArg::Morris).then_some(args.samples),
    };
    let analysis = Analysis::new(&config, params, methods, args.seeds)?;
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| config.output_dir().join("sensitivity"));
    let dir = OutputDir::prepare(out)?.claim(
        Manifest::new("sensitivity", &config.name, config.seed),
        output.force,
    )?;
    let pool = thread_pool(threads)?;
    let bar = progress_bar_of(analysis.plan().runs().len(), output.quiet, "runs");
    let result = pool.install(|| analysis.plan().run(Shard::WHOLE, |_| bar.inc(1)));
    bar.finish_and_clear();
    let sweep = result?;
    let rows = analysis.indices(&sweep)?;
    let statistic = args
        .statistic
        .clone()
        .unwrap_or_else(|| "close_path_mape".into());
    let footnote = format!(
        "carbonsim {} · scenario {} ({}) · {}",
        sweep.carbonsim_version,
        sweep.scenario,
        sweep.scenario_hash,
        sweep::describe(&sweep)
    );
    let chart = analysis::chart(&rows, &statistic, footnote)?;
    let mut set = OutputSet::new();
    set.add("indices.csv", analysis::indices_csv(&rows))?;
    set.add("indices.svg", chart.to_svg()?)?;
    set.add("runs.csv", sweep::runs_csv(&sweep)?)?;
    set.add("points.csv", sweep::points_csv(&sweep)?)?;
    record_overrides(&mut set, scenario.1)?;
    let files = dir.commit(&set)?;
    if !output.quiet {
        println!(
            "ran {} in {:.2?}; wrote {} files to {}",
            sweep::describe(&sweep),
            started.elapsed(),
            files.len(),
            dir.path().display()
        );
    }
    Ok(())
}

fn run_calibrate(args: &CalibrateCommand) -> CliResult {
    let (scenario, output) = ((&*args.scenario, &*args.set), &args.output);
    let started = Instant::now();
    let config = load_scenario(scenario)?;
    check_threads(args.threads)?;
    let settings = Settings {
        seeds: args.seeds,
        max_evals: args.max_evals,
        tolerance: args.tolerance,
    };
    let plan = CalibrationPlan::new(&config, args.params.clone(), args.weights.clone(), settings)?;
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| config.output_dir().join("calibrate"));
    let dir = OutputDir::prepare(out)?.claim(
        Manifest::new("calibrate", &config.name, config.seed),
        output.force,
    )?;
    let checkpoint = dir.path().join(calibrate::checkpoint::CHECKPOINT);
    let pool = thread_pool(args.threads)?;
    let bar = progress_bar_of(args.max_evals, output.quiet, "evaluations");
    let result = pool.install(|| {
        plan.run(&checkpoint, args.resume, |_, e| {
            bar.inc(1);
            bar.set_message(format!("D = {:.6}", e.objective));
        })
    });
    bar.finish_and_clear();
    let calibration = result?;
    let mut set = calibrate::outputs::outputs(&calibration)?;
    record_overrides(&mut set, scenario.1)?;
    let files = dir.commit(&set)?;
    if !output.quiet {
        let best = &calibration.history[calibration.best];
        println!(
            "{} evaluations ({} runs) in {:.2?}: D = {:.6} (start {:.6}); wrote {} files to {}",
            calibration.history.len(),
            calibration.runs,
            started.elapsed(),
            best.objective,
            calibration.history[0].objective,
            files.len(),
            dir.path().display()
        );
    }
    Ok(())
}

/// Merges sweep shard files (already read) into the sweep's outputs.
fn merge_sweep(texts: &[(String, String)], out: &Path, output: &OutputArgs) -> CliResult {
    let mut shards: Vec<SweepOutput> = Vec::with_capacity(texts.len());
    for (path, text) in texts {
        shards.push(sweep::parse_shard(path, text)?);
    }
    let merged = sweep::merge(shards)?;
    let dir = OutputDir::prepare(out)?.claim(
        Manifest::new("merge", &merged.scenario, merged.seeds.first),
        output.force,
    )?;
    let files = dir.commit(&sweep::outputs(&merged)?)?;
    if !output.quiet {
        println!(
            "merged {} shards ({}); wrote {} files to {}",
            texts.len(),
            sweep::describe(&merged),
            files.len(),
            dir.path().display()
        );
    }
    Ok(())
}

fn run_merge(
    paths: &[PathBuf],
    out: &Path,
    name: Option<String>,
    output: &OutputArgs,
) -> CliResult {
    let mut texts = Vec::with_capacity(paths.len());
    for p in paths {
        let text =
            std::fs::read_to_string(p).map_err(|e| format!("shard file {}: {e}", p.display()))?;
        texts.push((p.display().to_string(), text));
    }
    let sweeps = texts
        .iter()
        .filter(|(_, t)| sweep::is_sweep_shard(t))
        .count();
    if sweeps == texts.len() {
        return merge_sweep(&texts, out, output);
    }
    if sweeps > 0 {
        return Err(
            "the shard files mix sweeps and Monte Carlo studies: merge each on its own".into(),
        );
    }
    merge_montecarlo(&texts, out, name, output)
}

/// Merges Monte Carlo shard files (already read) into the study's outputs.
fn merge_montecarlo(
    texts: &[(String, String)],
    out: &Path,
    name: Option<String>,
    output: &OutputArgs,
) -> CliResult {
    let mut shards = Vec::with_capacity(texts.len());
    for (path, text) in texts {
        let shard = montecarlo::parse_shard::<study::SeedSummary>(text).map_err(|message| {
            montecarlo::MergeError::File {
                path: path.clone(),
                message,
            }
        })?;
        shards.push(shard);
    }
    let merged = montecarlo::merge(shards)?;
    // The scenario's name as the shards recorded it; shard files written before it was recorded
    // carry only the hash.
    let name = name.unwrap_or_else(|| {
        if merged.scenario.is_empty() {
            merged.scenario_hash.clone()
        } else {
            merged.scenario.clone()
        }
    });
    let dir = OutputDir::prepare(out)?.claim(
        Manifest::new("merge", &name, merged.study_seeds.first),
        output.force,
    )?;
    let mut set = study::outputs(&merged, &name, true)?;
    study::add_shard_file(&mut set, &merged)?;
    let files = dir.commit(&set)?;
    if !output.quiet {
        println!(
            "merged {} shards ({} seeds); wrote {} files to {}",
            texts.len(),
            merged.runs.len(),
            files.len(),
            dir.path().display()
        );
    }
    Ok(())
}

fn run_compare(dirs: &[PathBuf], out: &Path, output: &OutputArgs) -> CliResult {
    let manifests = compare::manifests(dirs)?;
    let labels = compare::labels(dirs);
    let mut inputs = Vec::with_capacity(dirs.len());
    for ((dir, manifest), label) in dirs.iter().zip(&manifests).zip(labels) {
        inputs.extend(compare::load(dir, manifest, &label)?);
    }
    let mut set = OutputSet::new();
    set.add("compare.csv", compare::compare_csv(&inputs)?)?;
    set.add("compare.svg", compare::chart(&inputs)?.to_svg()?)?;
    let dir =
        OutputDir::prepare(out)?.claim(Manifest::new("compare", "compare", 0), output.force)?;
    let files = dir.commit(&set)?;
    if !output.quiet {
        println!(
            "compared {} folders; wrote {} files to {}",
            dirs.len(),
            files.len(),
            dir.path().display()
        );
    }
    Ok(())
}

fn run_replay(config: ReplayConfig, out: &Path, output: &OutputArgs) -> CliResult {
    let started = Instant::now();
    // The folder is proven writable before any work, so a bad --out fails fast.
    let dir = OutputDir::prepare(out)?
        .claim(Manifest::new("replay", "replay", config.seed), output.force)?;
    let result = replay::run(&config)?;
    let files = replay_report::outputs(&result).and_then(|set| dir.commit(&set))?;
    if !output.quiet {
        print!("{}", replay_report::table(&result));
        println!("wrote {} files to {}", files.len(), dir.path().display());
        println!(
            "replayed {} trading days in {:.2?}",
            result.composite.len(),
            started.elapsed()
        );
    }
    Ok(())
}
