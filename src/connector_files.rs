//! Connector config files given on the command line: Java .properties, or JSON either as
//! `{"name": ..., "config": {...}}` or as a flat map. JSON numbers and booleans are read as
//! strings, as the REST API does.

use std::path::Path;

use anyhow::{anyhow, bail, Context};
use ferroconnect_runtime::config::ConfigMap;

/// Reads one connector file into its name and config.
pub fn load(path: &Path) -> anyhow::Result<(String, ConfigMap)> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read connector config {}", path.display()))?;
    let is_json = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"))
        || text.trim_start().starts_with('{');
    let config = if is_json {
        from_json(&text).with_context(|| format!("in {}", path.display()))?
    } else {
        ferroconnect_runtime::config::properties::parse(&text)
    };
    let name = config
        .get("name")
        .map(|n| n.trim().to_string())
        .filter(|n| !n.is_empty())
        .ok_or_else(|| anyhow!("connector config {} has no \"name\"", path.display()))?;
    Ok((name, config))
}

fn from_json(text: &str) -> anyhow::Result<ConfigMap> {
    let doc: serde_json::Value = serde_json::from_str(text).context("invalid JSON")?;
    let serde_json::Value::Object(obj) = doc else {
        bail!("expected a JSON object")
    };
    let (name, map) = match obj.get("config") {
        Some(serde_json::Value::Object(cfg)) => (obj.get("name").cloned(), cfg.clone()),
        Some(_) => bail!("\"config\" must be a JSON object"),
        None => (None, obj),
    };
    let mut out = ConfigMap::new();
    for (k, v) in map {
        out.insert(k.clone(), scalar(&k, &v)?);
    }
    if let Some(name) = name {
        let name = scalar("name", &name)?;
        if let Some(inner) = out.get("name") {
            if inner != &name {
                bail!("\"name\" ({name}) differs from config.name ({inner})");
            }
        }
        out.insert("name".into(), name);
    }
    Ok(out)
}

fn scalar(key: &str, v: &serde_json::Value) -> anyhow::Result<String> {
    Ok(match v {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Number(n) => n.to_string(),
        serde_json::Value::Bool(b) => b.to_string(),
        other => bail!("value of \"{key}\" must be a string, number or boolean, not {other}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_wrapped_flat_and_properties_forms_load() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a.json");
        std::fs::write(
            &a,
            r#"{"name":"a","config":{"connector.class":"X","tasks.max":2,"x.flag":true}}"#,
        )
        .unwrap();
        let (name, cfg) = load(&a).unwrap();
        assert_eq!(name, "a");
        assert_eq!(cfg["tasks.max"], "2");
        assert_eq!(cfg["x.flag"], "true");
        assert_eq!(cfg["name"], "a");

        let b = dir.path().join("b.json");
        std::fs::write(&b, r#"{"name":"b","connector.class":"X"}"#).unwrap();
        assert_eq!(load(&b).unwrap().0, "b");

        let c = dir.path().join("c.properties");
        std::fs::write(&c, "# comment\nname=c\nconnector.class=X\n").unwrap();
        assert_eq!(load(&c).unwrap().1["connector.class"], "X");
    }

    #[test]
    fn bad_files_name_the_problem() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a.json");
        std::fs::write(&a, r#"{"config":{"connector.class":"X","nested":{"a":1}}}"#).unwrap();
        let err = format!("{:#}", load(&a).unwrap_err());
        assert!(err.contains("nested"), "{err}");
        let b = dir.path().join("b.properties");
        std::fs::write(&b, "connector.class=X\n").unwrap();
        assert!(format!("{:#}", load(&b).unwrap_err()).contains("no \"name\""));
    }
}
