//! Figures read from `/proc` (Linux): resident memory of a process tree, for the lab's and the
//! Spark tests' peak-memory figures (a figure, never an assertion).

/// Resident memory (KiB) of `pid` and all its descendants.
pub fn tree_rss_kib(pid: u32) -> u64 {
    let mut parent = std::collections::HashMap::new();
    for e in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Ok(p) = e.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        if let Ok(stat) = std::fs::read_to_string(e.path().join("stat"))
            && let Some(rest) = stat.rsplit_once(") ").map(|(_, r)| r)
            && let Some(pp) = rest
                .split_whitespace()
                .nth(1)
                .and_then(|x| x.parse::<u32>().ok())
        {
            parent.insert(p, pp);
        }
    }
    let in_tree = |mut p: u32| {
        while p > 1 {
            if p == pid {
                return true;
            }
            p = parent.get(&p).copied().unwrap_or(0);
        }
        false
    };
    parent
        .keys()
        .filter(|p| in_tree(**p))
        .filter_map(|p| std::fs::read_to_string(format!("/proc/{p}/status")).ok())
        .filter_map(|s| {
            s.lines().find(|l| l.starts_with("VmRSS:")).and_then(|l| {
                l.split_whitespace()
                    .nth(1)
                    .and_then(|v| v.parse::<u64>().ok())
            })
        })
        .sum()
}
