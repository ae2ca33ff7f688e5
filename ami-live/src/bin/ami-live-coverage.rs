//! Print the coverage summary of a live run from its record
//! (`AMI_LIVE_RECORD`), and fail when the run found problems.
//!
//! ```text
//! cargo run -p ami-live --bin ami-live-coverage -- /tmp/live.jsonl
//! ```

use std::process::ExitCode;

use ami_live::record::Summary;
use ami_live::spec::SpecIndex;

fn main() -> ExitCode {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: ami-live-coverage RECORD.jsonl");
        return ExitCode::from(2);
    };
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("ami-live-coverage: {path}: {e}");
            return ExitCode::from(2);
        }
    };
    match Summary::from_record(&text, SpecIndex::workspace()) {
        Ok(summary) => {
            print!("{summary}");
            if summary.problems().is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            }
        }
        Err(e) => {
            eprintln!("ami-live-coverage: {path}: {e}");
            ExitCode::from(2)
        }
    }
}
