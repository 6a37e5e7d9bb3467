//! End-to-end benchmark: FileStreamSource → Tansu broker through the `ferroconnect` binary,
//! side by side in the same run with a bare rdkafka producer sending the same bytes with the
//! same producer settings. Also start-up time to REST ready and idle RSS.
//!
//! Run: `cargo bench --bench e2e_file_source` (env `BENCH_RECORDS`, default 1 000 000).
//! Needs the Tansu broker (`scripts/setup-services.sh`). With `BENCH_CHAIN_ROUNDS=K` it runs
//! only the SMT chain comparison, K rounds of HoistField / chain / chain / HoistField, and
//! prints each round's and the overall throughput cost of the chain.

#[path = "../tests/common/mod.rs"]
mod common;

use std::time::{Duration, Instant};

use common::*;
use rdkafka::config::ClientConfig;
use rdkafka::producer::{BaseProducer, Producer};
use serde_json::json;

/// Producer settings shared by the bare producer and the connector (`producer.override.*`).
const PRODUCER: &[(&str, &str)] = &[
    ("linger.ms", "10"),
    ("batch.size", "1048576"),
    ("compression.type", "lz4"),
];

fn line(i: usize) -> String {
    format!("line-{i:09} the quick brown fox jumps over the lazy dog")
}

fn bare_producer(bootstrap: &str, topic: &str, n: usize) -> Duration {
    let mut cfg = ClientConfig::new();
    cfg.set("bootstrap.servers", bootstrap)
        .set("queue.buffering.max.messages", "1000000");
    for (k, v) in PRODUCER {
        cfg.set(*k, *v);
    }
    let producer: BaseProducer = cfg.create().expect("bare producer");
    // The same bytes the worker sends: JsonConverter with schemas, a string payload.
    let values: Vec<String> = (0..n)
        .map(|i| {
            format!(
                r#"{{"schema":{{"type":"string","optional":false}},"payload":"{}"}}"#,
                line(i)
            )
        })
        .collect();
    let start = Instant::now();
    for v in &values {
        send_blocking(&producer, topic, v.as_str());
    }
    producer.flush(Duration::from_secs(120)).expect("flush");
    start.elapsed()
}

/// Waits until the connector's committed source offset reaches `file_len`: every record was
/// acknowledged by the broker (offsets advance only over acked records). Polls the REST API,
/// so nothing competes with the worker for the CPU.
async fn wait_until_acked(w: &WorkerProc, file_len: u64) {
    let deadline = Instant::now() + Duration::from_secs(600);
    loop {
        let r = w.get("/connectors/bench/offsets").await;
        if r.body["offsets"][0]["offset"]["position"].as_u64() == Some(file_len) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "records not acknowledged in time: {:?}",
            r.body
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Prints the chain's throughput cost: per round of HoistField / chain / chain / HoistField
/// (two runs of each), and over all runs.
fn chain_throughput(hoist: &[f64], chain: &[f64]) {
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len().max(1) as f64;
    let mut costs: Vec<f64> = hoist
        .chunks(2)
        .zip(chain.chunks(2))
        .map(|(h, c)| 100.0 * (mean(c) - mean(h)) / mean(h))
        .collect();
    let rounds: Vec<String> = costs.iter().map(|c| format!("{c:+.1} %")).collect();
    costs.sort_by(f64::total_cmp);
    println!(
        "\nthroughput: HoistField mean {:.0} /s, + Mask/Replace/Insert mean {:.0} /s ({:+.1} %); per round {}; median round {:+.1} %",
        mean(hoist),
        mean(chain),
        100.0 * (mean(chain) - mean(hoist)) / mean(hoist),
        rounds.join(", "),
        costs[costs.len() / 2]
    );
}

fn row(name: &str, n: usize, bytes: usize, elapsed: Duration, rss_kib: Option<u64>) {
    let secs = elapsed.as_secs_f64();
    println!(
        "| {name:<34} | {:>12.0} | {:>8.1} | {:>9} |",
        n as f64 / secs,
        bytes as f64 / secs / 1e6,
        rss_kib
            .map(|k| format!("{:.1}", k as f64 / 1024.0))
            .unwrap_or_else(|| "-".into())
    );
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    if std::env::args().any(|a| a == "--list") {
        return; // `cargo test --benches` lists benches; nothing to run here.
    }
    let n: usize = std::env::var("BENCH_RECORDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let broker = Tansu::start();
    let kafka = Kafka::new(&broker.bootstrap);
    let chain_rounds: usize = std::env::var("BENCH_CHAIN_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let mut cpu_by_label: std::collections::HashMap<&str, Vec<f64>> = Default::default();
    let mut rate_by_label: std::collections::HashMap<&str, Vec<f64>> = Default::default();

    // Start-up and idle memory.
    let mut startups = Vec::new();
    let mut idle_rss = Vec::new();
    for _ in 0..5 {
        let mut w = WorkerProc::start(&broker.bootstrap, &[], &[]).await;
        startups.push(w.startup);
        tokio::time::sleep(Duration::from_millis(300)).await; // let the idle worker settle
        idle_rss.push(w.proc_status_kib("VmRSS").unwrap_or(0));
        w.stop().await;
    }
    startups.sort();
    idle_rss.sort();

    let input_dir = tempfile::tempdir().expect("tempdir");
    let input = input_dir.path().join("input.txt");
    append_lines(&input, (0..n).map(line));
    let bytes: usize = (0..n).map(|i| line(i).len() + 44).sum();
    let file_len = std::fs::metadata(&input).expect("input file").len();

    println!("\nFileStreamSource → Tansu, {n} records, producer {PRODUCER:?}\n");
    println!(
        "| {:<34} | {:>12} | {:>8} | {:>9} |",
        "pipeline", "records/s", "MB/s", "peak RSS MiB"
    );
    println!("|{:-<36}|{:->14}|{:->10}|{:->11}|", "", "", "", "");

    let bare_topic = unique("bench-bare");
    kafka.create_topic(&bare_topic, 1).await;
    let bare = bare_producer(&broker.bootstrap, &bare_topic, n);
    row("bare rdkafka producer (same bytes)", n, bytes, bare, None);
    kafka.delete_topic(&bare_topic).await;

    // Transform chains: HoistField makes each line a struct; the seed's MaskField +
    // ReplaceField + InsertField chain then runs on it (compare with HoistField alone).
    let hoist = [
        (
            "transforms.Hoist.type",
            "org.apache.kafka.connect.transforms.HoistField$Value",
        ),
        ("transforms.Hoist.field", "private_info"),
    ];
    let chain = [
        (
            "transforms.MaskField.type",
            "org.apache.kafka.connect.transforms.MaskField$Value",
        ),
        ("transforms.MaskField.fields", "private_info"),
        ("transforms.MaskField.replacement", "CENSORED"),
        (
            "transforms.Replace.type",
            "org.apache.kafka.connect.transforms.ReplaceField$Value",
        ),
        ("transforms.Replace.renames", "private_info:info"),
        (
            "transforms.Insert.type",
            "org.apache.kafka.connect.transforms.InsertField$Value",
        ),
        ("transforms.Insert.topic.field", "topic"),
    ];
    let hoist_only: Vec<(&str, &str)> =
        [("transforms", "Hoist")].into_iter().chain(hoist).collect();
    let full_chain: Vec<(&str, &str)> = [("transforms", "Hoist,MaskField,Replace,Insert")]
        .into_iter()
        .chain(hoist)
        .chain(chain)
        .collect();
    let hoist_run = ("same settings, HoistField", true, "true", &hoist_only[..]);
    let chain_run = (
        "same, Hoist+Mask+Replace+Insert",
        true,
        "true",
        &full_chain[..],
    );
    // Metrics off / on / on / off, so the run order does not bias the comparison.
    let mut runs = vec![
        ("same settings, metrics off", true, "false", &[][..]),
        (
            "ferroconnect, same producer settings",
            true,
            "true",
            &[][..],
        ),
        ("same settings, metrics on (again)", true, "true", &[][..]),
        ("same settings, metrics off (again)", true, "false", &[][..]),
        ("ferroconnect, default settings", false, "true", &[][..]),
        // HoistField alone / with the chain / with the chain / alone, for the same reason.
        ("same settings, HoistField", true, "true", &hoist_only[..]),
        (
            "same, Hoist+Mask+Replace+Insert",
            true,
            "true",
            &full_chain[..],
        ),
        (
            "same, Hoist+Mask+Replace+Insert",
            true,
            "true",
            &full_chain[..],
        ),
        ("same settings, HoistField", true, "true", &hoist_only[..]),
    ];
    if chain_rounds > 0 {
        runs = (0..chain_rounds)
            .flat_map(|_| [hoist_run, chain_run, chain_run, hoist_run])
            .collect();
    }
    for (label, overrides, metrics, transforms) in runs {
        let topic = unique("bench-src");
        kafka.create_topic(&topic, 1).await;
        let w = WorkerProc::start(
            &broker.bootstrap,
            &[
                ("offset.flush.interval.ms", "50"),
                ("metrics.enabled", metrics),
            ],
            &[],
        )
        .await;
        let mut cfg = json!({"connector.class": "FileStreamSource", "file": input.display().to_string(),
                             "topic": topic, "batch.size": "10000"});
        if overrides {
            for (k, v) in PRODUCER {
                cfg[format!("producer.override.{k}")] = json!(v);
            }
        }
        for (k, v) in transforms {
            cfg[*k] = json!(v);
        }
        let cpu_before = w.cpu_seconds();
        let start = Instant::now();
        w.create("bench", cfg).await;
        wait_until_acked(&w, file_len).await;
        let elapsed = start.elapsed();
        let cpu = w.cpu_seconds() - cpu_before;
        row(label, n, bytes, elapsed, w.proc_status_kib("VmHWM"));
        println!(
            "|   worker CPU: {:.2} s = {:.2} µs per record |",
            cpu,
            cpu * 1e6 / n as f64
        );
        cpu_by_label.entry(label).or_default().push(cpu);
        rate_by_label
            .entry(label)
            .or_default()
            .push(n as f64 / elapsed.as_secs_f64());
        drop(w);
        // Tansu keeps topics in memory: free each run's data so later runs do not slow down.
        kafka.delete_topic(&topic).await;
        if label == "ferroconnect, same producer settings" {
            println!(
                "\nratio to the bare producer: {:.0} %",
                100.0 * bare.as_secs_f64() / elapsed.as_secs_f64()
            );
        }
    }
    // CPU per record varies less than wall time on a shared machine: compare it too.
    let mean = |labels: &[&str]| {
        let v: Vec<f64> = labels
            .iter()
            .flat_map(|l| cpu_by_label.get(l).cloned().unwrap_or_default())
            .collect();
        v.iter().sum::<f64>() / v.len().max(1) as f64
    };
    let off = mean(&[
        "same settings, metrics off",
        "same settings, metrics off (again)",
    ]);
    let on = mean(&[
        "ferroconnect, same producer settings",
        "same settings, metrics on (again)",
    ]);
    let hoist = mean(&[hoist_run.0]);
    let chain = mean(&[chain_run.0]);
    chain_throughput(&rate_by_label[hoist_run.0], &rate_by_label[chain_run.0]);
    println!(
        "\nworker CPU per run: metrics off {off:.2} s, on {on:.2} s ({:+.1} %); HoistField {hoist:.2} s, + Mask/Replace/Insert {chain:.2} s ({:+.1} %)",
        100.0 * (on - off) / off.max(1e-9),
        100.0 * (chain - hoist) / hoist.max(1e-9)
    );
    println!(
        "\nstart-up to REST ready: min {:?}, median {:?}, max {:?}; idle RSS: median {:.1} MiB (max {:.1})",
        startups[0],
        startups[startups.len() / 2],
        startups[startups.len() - 1],
        idle_rss[idle_rss.len() / 2] as f64 / 1024.0,
        idle_rss[idle_rss.len() - 1] as f64 / 1024.0
    );
}
