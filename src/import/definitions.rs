//! Reading a definitions folder from disk; the core never touches the file system.

use crate::kpi::rulebook::{MAX_DEFINITIONS_BYTES, MAX_FILE_BYTES, SourceFile};
use std::io;
use std::path::{Path, PathBuf};

/// Every `.yaml` / `.yml` file under `dir` (sub-folders included), in path order so
/// that errors and duplicate-id reports come out the same on every machine.
pub fn read_definitions(dir: &Path) -> io::Result<Vec<SourceFile>> {
    let mut paths = Vec::new();
    collect(dir, &mut paths)?;
    paths.sort();
    // Sizes are checked before anything is read, so a 50 MB file costs nothing.
    let mut total: u64 = 0;
    for path in &paths {
        let size = std::fs::metadata(path)
            .map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", path.display())))?
            .len();
        if size > MAX_FILE_BYTES as u64 {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!(
                    "{}:1:1: the file is {size} bytes; a definitions file may be at most {MAX_FILE_BYTES} bytes",
                    path.display()
                ),
            ));
        }
        total += size;
        if total > MAX_DEFINITIONS_BYTES as u64 {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!(
                    "{}: the definitions are more than {MAX_DEFINITIONS_BYTES} bytes together; at most that is read",
                    dir.display()
                ),
            ));
        }
    }
    paths
        .into_iter()
        .map(|path| {
            let text = std::fs::read_to_string(&path)
                .map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", path.display())))?;
            let name = path.display().to_string();
            Ok(SourceFile { name, text })
        })
        .collect()
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) -> io::Result<()> {
    let entries = std::fs::read_dir(dir).map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", dir.display())))?;
    for entry in entries {
        let path = entry?.path();
        if path.is_dir() {
            collect(&path, out)?;
        } else if matches!(path.extension().and_then(|e| e.to_str()), Some("yaml" | "yml")) {
            out.push(path);
        }
    }
    Ok(())
}
