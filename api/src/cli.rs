//! The `cunxiang` command line: `serve` (the default), `migrate`, `import-regions`,
//! `import-grids` and `create-user`.
//! Failures come back as one error that `main` prints as a single line.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::{Args, Parser, Subcommand};
use cunxiang_storage::DatabaseTarget;
use indicatif::{ProgressBar, ProgressStyle};

use crate::import::{ImportError, import_regions};
use crate::server::{self, Prepared};
use crate::settings::Settings;
use crate::shutdown::Shutdown;
use crate::telemetry;
use crate::workers::Workers;

/// Cunxiang (村享): village issue reporting — intake, routing, supervision and feedback.
#[derive(Debug, Parser)]
#[command(name = "cunxiang", version, args_conflicts_with_subcommands = true)]
pub struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    serve: ServeArgs,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the HTTP server (the default). Configuration comes from the environment.
    Serve(ServeArgs),
    /// Apply pending database migrations and exit.
    Migrate,
    /// Load a region tree from a CSV file (columns code,name,parent_code[,level]).
    ImportRegions {
        /// The CSV file.
        file: PathBuf,
    },
    /// Load grid outlines from a GeoJSON FeatureCollection (properties name, region_code).
    ImportGrids {
        /// The GeoJSON file.
        file: PathBuf,
        /// Coordinate system of the file: wgs84, gcj02 or bd09.
        #[arg(long, default_value = "wgs84")]
        coord_system: String,
        /// Make outlines whose rings cross or touch valid (a self-union, non-zero fill) instead
        /// of refusing them; each repaired feature is reported with its area before and after.
        #[arg(long)]
        repair: bool,
    },
    /// Create a staff account (admin, supervisor, unit_staff, grid_worker).
    CreateUser {
        /// Log-in name.
        #[arg(long)]
        username: String,
        /// Password (at least 10 characters).
        #[arg(long)]
        password: String,
        /// Role: admin, supervisor, unit_staff or grid_worker.
        #[arg(long)]
        role: String,
        /// Unit the account belongs to (repeat for several); required except for admins.
        #[arg(long = "unit")]
        units: Vec<uuid::Uuid>,
        /// Name shown to others (default: the username).
        #[arg(long)]
        display_name: Option<String>,
    },
}

#[derive(Debug, Args)]
struct ServeArgs {
    /// Do not seed the demo county into an empty database.
    #[arg(long)]
    no_demo: bool,
}

/// Runs the command the user asked for.
pub fn run(cli: Cli) -> anyhow::Result<()> {
    let settings = Settings::from_env()?;
    telemetry::init(settings.log_format);
    match cli.command {
        None => serve(settings, &cli.serve),
        Some(Command::Serve(args)) => serve(settings, &args),
        Some(Command::Migrate) => migrate(&settings),
        Some(Command::ImportRegions { file }) => import(&settings, &file),
        Some(Command::ImportGrids {
            file,
            coord_system,
            repair,
        }) => import_grids(&settings, &file, &coord_system, repair),
        Some(Command::CreateUser {
            username,
            password,
            role,
            units,
            display_name,
        }) => crate::create_user::run(&settings, &username, &password, &role, &units, display_name),
    }
}

fn serve(mut settings: Settings, args: &ServeArgs) -> anyhow::Result<()> {
    if args.no_demo {
        settings.demo = false;
    }
    let Prepared {
        state,
        database,
        demo,
    } = server::prepare(settings)?;
    let settings = state.settings.clone();
    actix_web::rt::System::new().block_on(async move {
        let (server, addrs) = server::bind(state.clone())?;
        let shutdown = Shutdown::new();
        let workers = Workers::start(&state, &shutdown.stop());
        let url = addrs
            .first()
            .map_or_else(String::new, |a| format!("http://{a}"));
        let sms_configured = settings.sms_url.is_some();
        print_banner(
            &url,
            &database,
            demo,
            &login_help(&settings, &url),
            sms_configured,
        );
        let http = server.handle();
        let mut serving = actix_web::rt::spawn(server);
        let ended = tokio::select! {
            _ = crate::shutdown::signal() => None,
            ended = &mut serving => Some(ended),
        };
        // In order: live streams end (graceful stop would wait for them forever), the HTTP
        // server finishes the requests in flight, then the workers stop; deliveries in flight
        // get the same grace to record their outcomes.
        tracing::info!(streams = state.hub.stream_count(), "stopping");
        state.hub.close_all();
        http.stop(true).await;
        shutdown.trigger();
        let wait = std::time::Duration::from_secs(settings.shutdown_timeout_secs);
        let left = workers.shutdown(wait).await;
        if !left.is_empty() {
            tracing::warn!(workers = ?left, "stopped without waiting for these workers");
        }
        let ended = match ended {
            Some(ended) => ended,
            None => serving.await,
        };
        ended.context("server task")?.context("server failed")
    })
}

/// Tells the person who started the server where it listens and what to try. Written with
/// errors ignored: a closed stdout must not bring the server down.
fn print_banner(
    url: &str,
    database: &str,
    demo: Option<crate::demo::DemoSummary>,
    logins: &str,
    sms_configured: bool,
) {
    let sms = if sms_configured {
        "the code comes by SMS"
    } else {
        "no SMS provider set, the code is written to this log"
    };
    let county = crate::demo::COUNTY_CODE;
    let demo_line = match demo {
        Some(d) => format!(
            "余江区 ({county}) seeded: {} regions, {} grids, {} units, {} categories, {} staff, \
             a {}-item patrol checklist",
            d.regions, d.grids, d.units, d.categories, d.users, d.patrol_items
        ),
        None => "not seeded (the database already holds regions, or --no-demo)".to_owned(),
    };
    let banner = format!(
        "Cunxiang {version} is listening on {url}\n\
         \x20 console    {url}/console/  (一屏观全区 and task lists; log in with a staff account below)\n\
         \x20 villagers  {url}/h5/  (随手拍; log in with any phone number: {sms})\n\
         \x20 database   {database}\n\
         \x20 demo data  {demo_line}\n\
         \x20 try        curl '{url}/v1/regions?parent={county}'\n\
         {logins}\
         \x20 contract   {url}/openapi.yaml\n\
         \x20 stop       Ctrl-C or SIGTERM (in-flight requests finish first)\n",
        version = env!("CARGO_PKG_VERSION"),
    );
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(banner.as_bytes());
    let _ = out.flush();
}

/// How to log in: the demo staff accounts (when this data dir has them), the configured test
/// phone, and the curl line for a password log-in.
fn login_help(settings: &Settings, url: &str) -> String {
    let mut help = String::new();
    match crate::demo::logins(&settings.data_dir) {
        Some(text) => {
            let password = text
                .lines()
                .find_map(|l| l.strip_prefix("password for every demo account: "))
                .unwrap_or("…")
                .trim();
            help.push_str(&format!(
                "  log-in     curl -H 'content-type: application/json' \\\n\
                 \x20              -d '{{\"username\":\"admin\",\"password\":\"{password}\"}}' {url}/v1/auth/login\n\
                 \x20            demo staff accounts:\n"
            ));
            for line in text.lines().filter(|l| !l.starts_with('#')) {
                help.push_str(&format!("               {line}\n"));
            }
        }
        None => help.push_str(
            "  log-in     create staff with `cunxiang create-user`; villagers use /v1/auth/otp\n",
        ),
    }
    if let Some((phone, code)) = settings.test_phones.first() {
        help.push_str(&format!(
            "  villager   test phone {phone}, code {} (POST /v1/auth/otp, then /v1/auth/login)\n",
            code.0
        ));
    }
    help
}

fn open(settings: &Settings) -> anyhow::Result<cunxiang_storage::DbConn> {
    let target = DatabaseTarget::parse(&settings.database_url)?;
    let mut conn = target.connect()?;
    cunxiang_storage::migrate::run_pending(&mut conn)?;
    Ok(conn)
}

fn migrate(settings: &Settings) -> anyhow::Result<()> {
    let target = DatabaseTarget::parse(&settings.database_url)?;
    let mut conn = target.connect()?;
    let applied = cunxiang_storage::migrate::run_pending(&mut conn)?;
    if applied.is_empty() {
        println!("{}: up to date", target.redacted());
    } else {
        println!("{}: applied {}", target.redacted(), applied.join(", "));
    }
    Ok(())
}

/// Turns the hidden bar of an import into a visible one once its length is known.
fn show_progress(bar: &ProgressBar, len: usize, noun: &str) {
    bar.set_length(len as u64);
    bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template(&format!("{{bar:40}} {{pos}}/{{len}} {noun} {{elapsed}}"))
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
}

fn import(settings: &Settings, file: &PathBuf) -> anyhow::Result<()> {
    let text =
        std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
    let mut conn = open(settings)?;
    let bar = ProgressBar::hidden();
    let result = import_regions(
        &mut conn,
        &text,
        &mut |n| show_progress(&bar, n, "regions"),
        &mut || bar.inc(1),
    );
    bar.finish_and_clear();
    match result {
        Ok(s) => {
            println!(
                "{}: {} new, {} renamed, {} unchanged",
                file.display(),
                s.inserted,
                s.renamed,
                s.unchanged
            );
            Ok(())
        }
        Err(ImportError::Invalid(problems)) => {
            for p in &problems {
                eprintln!("{}:{}: {}", file.display(), p.line, p.message);
            }
            bail!(
                "{}: {} problem(s), nothing imported",
                file.display(),
                problems.len()
            )
        }
        Err(ImportError::Storage(e)) => Err(e).context("import failed, nothing imported"),
    }
}

fn import_grids(
    settings: &Settings,
    file: &PathBuf,
    coord_system: &str,
    repair: bool,
) -> anyhow::Result<()> {
    use crate::grid_import::GridImportError;
    let system = cunxiang_core::coords::CoordSystem::parse(coord_system)
        .with_context(|| format!("--coord-system {coord_system:?} must be wgs84, gcj02 or bd09"))?;
    let text =
        std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
    let mut conn = open(settings)?;
    let bar = ProgressBar::hidden();
    let doc = crate::grid_import::GridImport {
        text: &text,
        system,
        repair,
    };
    let result = crate::grid_import::import_grids(
        &mut conn,
        crate::grid_import::Importer::Operator,
        doc,
        &mut |n| show_progress(&bar, n, "grids"),
        &mut || bar.inc(1),
    );
    bar.finish_and_clear();
    match result {
        Ok(s) => {
            for r in s.repaired.iter().flatten() {
                println!(
                    "{}: feature {} ({}): repaired {} problem(s); polygons {} -> {}, area {:.3} \
                     km² -> {:.3} km²",
                    file.display(),
                    r.feature,
                    r.name,
                    r.problems.len(),
                    r.polygons_before,
                    r.polygons_after,
                    r.area_before_m2 / 1e6,
                    r.area_after_m2 / 1e6
                );
            }
            println!(
                "{}: {} new grids (each with a grid team), {} updated",
                file.display(),
                s.created,
                s.updated
            );
            Ok(())
        }
        Err(GridImportError::Invalid(features)) => {
            for f in &features {
                let which = match (f.feature, &f.name) {
                    (Some(i), Some(name)) => format!("feature {i} ({name})"),
                    (Some(i), None) => format!("feature {i}"),
                    (None, _) => "document".to_owned(),
                };
                for p in &f.problems {
                    eprintln!("{}: {which}: {p}", file.display());
                }
            }
            let repairable = features.iter().filter(|f| f.repairable).count();
            if repairable > 0 {
                eprintln!(
                    "{}: {repairable} feature(s) would be taken with --repair, which makes rings \
                     that cross or touch valid",
                    file.display()
                );
            }
            bail!(
                "{}: {} feature(s) with problems, nothing imported",
                file.display(),
                features.len()
            )
        }
        Err(GridImportError::Storage(e)) => Err(e).context("import failed, nothing imported"),
        Err(e @ GridImportError::Refused) => Err(e.into()),
    }
}
