//! The process-wide Data Flow runtime: which executor is in use, the IAM mode, the run slots
//! and the tasks and process groups of Spark runs.

use super::authz::IamMode;
use super::local;
use crate::state::AppState;
use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU8, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use tokio::sync::{Notify, Semaphore};

/// Which executor to use (`--executor`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExecutorChoice {
    /// Spark when Java and pyspark are found, else the simulation.
    Auto,
    /// Spark, or fail at startup saying what is missing.
    Spark,
    Simulated,
}

/// How the Data Flow runtime is configured (flags of `serve`; tests build it directly).
#[derive(Debug, Clone)]
pub struct RuntimeConfig {
    pub executor: ExecutorChoice,
    /// Python interpreter that can `import pyspark` (default `python3`).
    pub python: Option<PathBuf>,
    /// Spark master URL; `local[2]` by default.
    pub master: String,
    /// Spark runs executing at once; more wait in ACCEPTED.
    pub max_concurrent: usize,
    /// `--driver-memory` of every Spark run (the driver JVM is the whole run in local mode).
    pub driver_memory: String,
    pub iam_mode: IamMode,
}

impl Default for RuntimeConfig {
    /// The library default: simulated runs (no JVM in tests that do not ask for one), IAM
    /// enforced.
    fn default() -> Self {
        Self {
            executor: ExecutorChoice::Simulated,
            python: None,
            master: "local[2]".to_owned(),
            max_concurrent: 1,
            driver_memory: "1g".to_owned(),
            iam_mode: IamMode::Enforce,
        }
    }
}

/// The executor actually in use.
#[derive(Debug, Clone)]
pub enum Executor {
    Spark(local::SparkEnv),
    /// The simulation, and why it was chosen.
    Simulated(String),
}

/// Process-wide Data Flow runtime: the executor, the IAM mode, the run slots and the running
/// Spark processes. Lives in `AppState`'s extensions (`AppState::open` inserts the default).
#[derive(Clone)]
pub struct Runtime(pub(super) Arc<Inner>);

pub(super) struct Inner {
    pub(super) executor: Executor,
    pub(super) master: String,
    pub(super) driver_memory: String,
    pub(super) max_concurrent: usize,
    pub(super) iam_mode: AtomicU8,
    /// How long one minute of `maxDurationInMinutes` lasts (tests shorten it).
    pub(super) minute_ms: AtomicU64,
    pub(super) slots: Arc<Semaphore>,
    /// Runs with a task (queued or running), and how to tell each to stop.
    pub(super) tasks: Mutex<HashMap<String, Arc<Notify>>>,
    /// Process groups of running Spark drivers, for shutdown.
    pub(super) groups: Mutex<HashSet<i32>>,
}

impl Runtime {
    /// Resolve the executor (`Auto` probes for Java and pyspark) and build the runtime.
    pub fn new(config: RuntimeConfig) -> anyhow::Result<Runtime> {
        let executor = match config.executor {
            ExecutorChoice::Simulated => {
                Executor::Simulated("the simulated executor was asked for".to_owned())
            }
            ExecutorChoice::Spark => Executor::Spark(
                local::detect(config.python.as_deref())
                    .map_err(|why| anyhow::anyhow!("--executor spark: {why}"))?,
            ),
            ExecutorChoice::Auto => match local::detect(config.python.as_deref()) {
                Ok(env) => Executor::Spark(env),
                Err(why) => Executor::Simulated(why),
            },
        };
        if config.max_concurrent == 0 {
            anyhow::bail!("the number of concurrent Spark runs must be at least 1");
        }
        Ok(Runtime(Arc::new(Inner {
            executor,
            master: config.master,
            driver_memory: config.driver_memory,
            max_concurrent: config.max_concurrent,
            iam_mode: AtomicU8::new(config.iam_mode.to_u8()),
            minute_ms: AtomicU64::new(60_000),
            slots: Arc::new(Semaphore::new(config.max_concurrent)),
            tasks: Mutex::new(HashMap::new()),
            groups: Mutex::new(HashSet::new()),
        })))
    }

    pub fn executor(&self) -> &Executor {
        &self.0.executor
    }

    pub fn is_spark(&self) -> bool {
        matches!(self.0.executor, Executor::Spark(_))
    }

    pub fn iam_mode(&self) -> IamMode {
        IamMode::from_u8(self.0.iam_mode.load(Ordering::Relaxed))
    }

    pub fn set_iam_mode(&self, mode: IamMode) {
        self.0.iam_mode.store(mode.to_u8(), Ordering::Relaxed);
    }

    pub fn minute_ms(&self) -> u64 {
        self.0.minute_ms.load(Ordering::Relaxed)
    }

    pub fn set_minute_ms(&self, ms: u64) {
        self.0.minute_ms.store(ms.max(1), Ordering::Relaxed);
    }

    /// One line for the startup banner and the control API.
    pub fn describe(&self) -> String {
        match &self.0.executor {
            Executor::Spark(env) => format!(
                "spark (Spark {} from {}, master {}, driver memory {}, at most {} run(s) at once, Spark UI off)",
                env.version,
                env.spark_home.display(),
                self.0.master,
                self.0.driver_memory,
                self.0.max_concurrent
            ),
            Executor::Simulated(why) => format!("simulated (no Spark is started: {why})"),
        }
    }

    /// The control API's view.
    pub fn info(&self) -> serde_json::Value {
        let (kind, version, reason) = match &self.0.executor {
            Executor::Spark(env) => ("spark", Some(env.version.clone()), None),
            Executor::Simulated(why) => ("simulated", None, Some(why.clone())),
        };
        serde_json::json!({
            "executor": kind,
            "spark_version": version,
            "simulated_because": reason,
            "master": self.0.master,
            "driver_memory": self.0.driver_memory,
            "max_concurrent": self.0.max_concurrent,
            "iam_mode": self.iam_mode().as_str(),
            "minute_ms": self.minute_ms(),
            "description": self.describe(),
        })
    }
}

/// The runtime of `state` (`AppState::open` always installs one).
pub fn runtime(state: &AppState) -> Runtime {
    state
        .extension::<Runtime>()
        .cloned()
        .expect("AppState::open installs the Data Flow runtime")
}
