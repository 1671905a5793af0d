//! The `squall` command-line tool.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use squall::io::summary::VolumeSummary;

#[derive(Parser)]
#[command(
    name = "squall",
    version,
    about = "Weather-radar volumes to nowcasts of convective storms"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Print a summary of radar files: site, band, time, sweeps and per-moment statistics.
    Info {
        /// Print JSON instead of text (one object per file; an array when several files are given).
        #[arg(long)]
        json: bool,
        /// Radar files (any supported format, plain or gzip/bzip2/zip compressed).
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
}

fn info(json: bool, files: &[PathBuf]) -> Result<String, squall::Error> {
    let summaries = files
        .iter()
        .map(|f| {
            squall::io::open_volume_with_format(f).map(|(format, v)| VolumeSummary::new(format, &v))
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(match (json, summaries.as_slice()) {
        (true, [one]) => one.to_json(),
        (true, many) => serde_json::to_string_pretty(many).unwrap_or_default(),
        (false, many) => many
            .iter()
            .zip(files)
            .map(|(s, f)| format!("{}\n{}", f.display(), s.to_text()))
            .collect::<Vec<_>>()
            .join("\n"),
    })
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Info { json, files } => info(json, &files),
    };
    match result {
        Ok(text) => {
            println!("{text}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("squall: {e}");
            ExitCode::FAILURE
        }
    }
}
