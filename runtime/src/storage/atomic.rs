//! Durable whole-file replacement shared by the file-backed stores.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::{ConnectError, ConnectResult};

/// Replaces `path` with `bytes` atomically: writes a sibling temp file, fsyncs it, renames it
/// over `path` and fsyncs the directory, creating the directory if needed. `what` names the
/// file in errors (e.g. "offsets file").
pub fn write_file_atomically(path: &Path, bytes: &[u8], what: &str) -> ConnectResult<()> {
    let fail = |action: &str, e: std::io::Error| {
        ConnectError::other(format!(
            "Cannot {action} the {what} {}: {e}",
            path.display()
        ))
    };
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    fs::create_dir_all(&dir).map_err(|e| fail("create the directory of", e))?;
    let mut tmp_name = path.as_os_str().to_os_string();
    tmp_name.push(".tmp");
    let tmp = PathBuf::from(tmp_name);
    {
        let mut f = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .open(&tmp)
            .map_err(|e| fail("create a temporary file for", e))?;
        f.write_all(bytes).map_err(|e| fail("write", e))?;
        f.sync_all().map_err(|e| fail("sync", e))?;
    }
    fs::rename(&tmp, path).map_err(|e| fail("replace", e))?;
    // Make the rename itself durable.
    if let Ok(d) = File::open(&dir) {
        let _ = d.sync_all();
    }
    Ok(())
}
