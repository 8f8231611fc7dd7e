//! Emulated run artefacts: driver logs (gzip, as Data Flow serves `*.log.gz`) and the Parquet
//! placeholder of a successful run's output.
//!
//! The gzip writer uses deflate "stored" blocks (no compression): a valid `.gz` any gunzip reads,
//! without a compression dependency for a few kilobytes of text.

use super::run::{RunPhase, effective_arguments};
use super::wire::Run;
use crate::clock::rfc3339_millis;
use time::macros::format_description;

/// One produced log.
#[derive(Debug, Clone)]
pub struct ProducedLog {
    /// `RunLogSummary.name`, e.g. `spark_driver_stdout_20261121T032500Z.log.gz`.
    pub name: String,
    /// Object name under `<logs bucket>/<run id>/`.
    pub object_name: String,
    pub source: &'static str,
    pub kind: &'static str,
    pub gz: Vec<u8>,
}

/// The driver's stdout and stderr for a finished run. `traceback` is the Python traceback of a
/// script that raised (see `store::plan_outcome`); `notes` (the executor's lines) follow the
/// header in stderr.
pub fn driver_logs(
    run: &Run,
    phase: &RunPhase,
    output: Option<&str>,
    traceback: Option<&str>,
    notes: &[String],
) -> Vec<ProducedLog> {
    let stamp_fmt = format_description!("[year][month][day]T[hour][minute][second]Z");
    let stamp = phase.since.format(&stamp_fmt).unwrap_or_default();
    let start = phase.started.unwrap_or(phase.since);
    let ts = |t: time::OffsetDateTime| {
        t.format(format_description!(
            "[year repr:last_two]/[month]/[day] [hour]:[minute]:[second]"
        ))
        .unwrap_or_default()
    };
    let args = effective_arguments(run);
    let mut err = vec![
        format!(
            "{} INFO SparkContext: Running Spark version {}",
            ts(start),
            run.spark_version
        ),
        format!(
            "{} INFO SparkContext: Submitted application: {}",
            ts(start),
            run.display_name
        ),
        format!(
            "{} INFO ResourceUtils: Driver shape {}, executor shape {} x {}",
            ts(start),
            run.driver_shape,
            run.executor_shape,
            run.num_executors
        ),
        format!(
            "{} INFO DataFlow: Run {} (application {})",
            ts(start),
            run.id,
            run.application_id
        ),
        format!(
            "{} INFO DataFlow: Application file {}",
            ts(start),
            run.file_uri
        ),
        format!("{} INFO DataFlow: Arguments {:?}", ts(start), args),
    ];
    err.extend(notes.iter().map(|n| format!("{} INFO {n}", ts(start))));
    let mut out = Vec::new();
    match phase.state {
        "SUCCEEDED" => {
            if let Some(input) = args.first() {
                out.push(format!("Reading {input}"));
            }
            match output {
                Some(o) => {
                    out.push(format!("Writing Parquet to {o} (emulated output: _SUCCESS and one placeholder part file)"));
                    err.push(format!(
                        "{} INFO FileOutputCommitter: Saved output of job to {o}",
                        ts(phase.since)
                    ));
                }
                None => out.push("No output URI argument; nothing written".to_owned()),
            }
            err.push(format!(
                "{} INFO SparkContext: Successfully stopped SparkContext",
                ts(phase.since)
            ));
            err.push(format!(
                "{} INFO ShutdownHookManager: Shutdown hook called (exit code 0)",
                ts(phase.since)
            ));
        }
        "FAILED" => {
            let why = run
                .lifecycle_details
                .clone()
                .unwrap_or_else(|| "Job failed".to_owned());
            if let Some(tb) = traceback {
                err.extend(tb.lines().map(str::to_owned));
            }
            err.push(format!(
                "{} ERROR ApplicationMaster: User application exited with status 1",
                ts(phase.since)
            ));
            err.push(format!("{} ERROR DataFlow: {why}", ts(phase.since)));
            out.push(format!("Run failed: {why}"));
        }
        other => {
            err.push(format!(
                "{} WARN DataFlow: Run ended in state {other}",
                ts(phase.since)
            ));
            err.push(format!(
                "{} INFO SparkContext: SparkContext stopped at {}",
                ts(phase.since),
                rfc3339_millis(phase.since)
            ));
        }
    }
    [("stdout", "STDOUT", out), ("stderr", "STDERR", err)]
        .into_iter()
        .map(|(suffix, kind, lines)| {
            let mut text = lines.join("\n");
            text.push('\n');
            ProducedLog {
                name: format!("spark_driver_{suffix}_{stamp}.log.gz"),
                object_name: format!("spark_driver_{suffix}.log.gz"),
                source: "DRIVER",
                kind,
                gz: gzip_stored(text.as_bytes()),
            }
        })
        .collect()
}

/// Bytes of the emulated `part-00000-*.parquet`: Parquet's magic at both ends around a note, so
/// tools that sniff the magic accept it, and anyone who opens it learns what it is.
pub fn parquet_placeholder(run: &Run) -> Vec<u8> {
    let note = format!(
        "oci-emulator placeholder output of Data Flow run {} (application {}); not real Parquet data",
        run.id, run.application_id
    );
    let mut v = b"PAR1".to_vec();
    v.extend_from_slice(note.as_bytes());
    v.extend_from_slice(b"PAR1");
    v
}

/// A gzip member holding `data` in deflate stored blocks (RFC 1951 §3.2.4, RFC 1952).
pub fn gzip_stored(data: &[u8]) -> Vec<u8> {
    let mut out = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255];
    let mut chunks = data.chunks(0xffff).peekable();
    if chunks.peek().is_none() {
        out.extend_from_slice(&[1, 0, 0, 0xff, 0xff]);
    }
    while let Some(chunk) = chunks.next() {
        out.push(u8::from(chunks.peek().is_none()));
        let len = chunk.len() as u16;
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&(!len).to_le_bytes());
        out.extend_from_slice(chunk);
    }
    out.extend_from_slice(&crc32(data).to_le_bytes());
    out.extend_from_slice(&(data.len() as u32).to_le_bytes());
    out
}

/// CRC-32 (IEEE, reflected), as gzip needs.
fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc32_known_vector() {
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
    }

    /// Decode our own stored-block gzip back (the conformance test also gunzips with Python).
    #[test]
    fn gzip_stored_round_trips() {
        for data in [Vec::new(), b"hello\n".to_vec(), vec![7u8; 70_000]] {
            let gz = gzip_stored(&data);
            assert_eq!(&gz[..3], &[0x1f, 0x8b, 8]);
            let mut pos = 10;
            let mut back = Vec::new();
            loop {
                let last = gz[pos] & 1 == 1;
                let len = u16::from_le_bytes([gz[pos + 1], gz[pos + 2]]) as usize;
                let nlen = u16::from_le_bytes([gz[pos + 3], gz[pos + 4]]);
                assert_eq!(nlen, !(len as u16));
                back.extend_from_slice(&gz[pos + 5..pos + 5 + len]);
                pos += 5 + len;
                if last {
                    break;
                }
            }
            assert_eq!(back, data);
            assert_eq!(
                u32::from_le_bytes(gz[pos..pos + 4].try_into().unwrap()),
                crc32(&data)
            );
            assert_eq!(
                u32::from_le_bytes(gz[pos + 4..pos + 8].try_into().unwrap()),
                data.len() as u32
            );
        }
    }
}
