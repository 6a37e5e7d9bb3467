//! Registration of the built-in converters with the plugin registry.

use std::sync::Arc;

use crate::config::{ConfigDef, ConfigMap};
use crate::error::ConnectResult;
use crate::plugins::PluginRegistry;

use super::header::{SimpleHeaderConverter, SIMPLE_HEADER_CONVERTER_CLASS};
use super::json::{JsonConverter, JsonConverterConfig, JSON_CONVERTER_CLASS};
use super::number::{BooleanConverter, NumberConverter, NumberKind, BOOLEAN_CONVERTER_CLASS};
use super::simple::{
    ByteArrayConverter, StringConverter, BYTE_ARRAY_CONVERTER_CLASS, STRING_CONVERTER_CLASS,
};
use super::{Converter, ConverterPlugin, HeaderConverter, KAFKA_COMPAT_VERSION};

/// A plugin whose key/value and header forms are both built by `build` from the settings
/// (the is-key flag does not matter to any built-in converter).
fn plugin<C, F>(class: &str, config_def: ConfigDef, build: F) -> ConverterPlugin
where
    C: Converter + HeaderConverter + 'static,
    F: Fn(&ConfigMap) -> ConnectResult<C> + Send + Sync + 'static,
{
    let build = Arc::new(build);
    let header_build = Arc::clone(&build);
    ConverterPlugin {
        class: class.into(),
        version: KAFKA_COMPAT_VERSION.into(),
        config_def,
        factory: Some(Arc::new(move |settings, _is_key| {
            Ok(Arc::new(build(settings)?))
        })),
        header_factory: Some(Arc::new(move |settings| {
            Ok(Arc::new(header_build(settings)?))
        })),
    }
}

/// Registers JsonConverter, StringConverter, ByteArrayConverter, the numeric and boolean
/// converters and SimpleHeaderConverter, each under its Java class name and simple name.
pub fn register_builtin(registry: &mut PluginRegistry) {
    registry.add_converter(plugin(
        JSON_CONVERTER_CLASS,
        JsonConverterConfig::config_def(),
        JsonConverter::from_settings,
    ));
    registry.add_converter(plugin(
        STRING_CONVERTER_CLASS,
        StringConverter::config_def(),
        StringConverter::from_settings,
    ));
    registry.add_converter(plugin(BYTE_ARRAY_CONVERTER_CLASS, ConfigDef::new(), |_| {
        Ok(ByteArrayConverter)
    }));
    for kind in NumberKind::ALL {
        registry.add_converter(plugin(kind.class_name(), ConfigDef::new(), move |_| {
            Ok(NumberConverter::new(kind))
        }));
    }
    registry.add_converter(plugin(BOOLEAN_CONVERTER_CLASS, ConfigDef::new(), |_| {
        Ok(BooleanConverter)
    }));
    registry.add_converter(ConverterPlugin {
        class: SIMPLE_HEADER_CONVERTER_CLASS.into(),
        version: KAFKA_COMPAT_VERSION.into(),
        config_def: ConfigDef::new(),
        factory: None,
        header_factory: Some(Arc::new(|_| Ok(Arc::new(SimpleHeaderConverter)))),
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::{schemas, Value};

    fn registry() -> PluginRegistry {
        let mut r = PluginRegistry::new();
        register_builtin(&mut r);
        r
    }

    #[test]
    fn every_converter_resolves_by_class_and_simple_name() {
        let r = registry();
        for (class, simple, data, header) in [
            (JSON_CONVERTER_CLASS, "JsonConverter", true, true),
            (STRING_CONVERTER_CLASS, "StringConverter", true, true),
            (BYTE_ARRAY_CONVERTER_CLASS, "ByteArrayConverter", true, true),
            (
                "org.apache.kafka.connect.converters.ShortConverter",
                "ShortConverter",
                true,
                true,
            ),
            (
                "org.apache.kafka.connect.converters.IntegerConverter",
                "IntegerConverter",
                true,
                true,
            ),
            (
                "org.apache.kafka.connect.converters.LongConverter",
                "LongConverter",
                true,
                true,
            ),
            (
                "org.apache.kafka.connect.converters.FloatConverter",
                "FloatConverter",
                true,
                true,
            ),
            (
                "org.apache.kafka.connect.converters.DoubleConverter",
                "DoubleConverter",
                true,
                true,
            ),
            (BOOLEAN_CONVERTER_CLASS, "BooleanConverter", true, true),
            (
                SIMPLE_HEADER_CONVERTER_CLASS,
                "SimpleHeaderConverter",
                false,
                true,
            ),
        ] {
            let p = r.converter(class).unwrap_or_else(|| panic!("{class}"));
            assert_eq!(p.version, "4.2.0");
            assert_eq!(r.converter(simple).unwrap().class, class);
            assert_eq!(p.factory.is_some(), data, "{class}");
            assert_eq!(p.header_factory.is_some(), header, "{class}");
        }
        let infos = r.plugin_infos(false);
        assert_eq!(
            infos
                .iter()
                .filter(|i| i.plugin_type == "converter")
                .count(),
            9
        );
        assert_eq!(
            infos
                .iter()
                .filter(|i| i.plugin_type == "header_converter")
                .count(),
            10
        );
    }

    #[test]
    fn factories_apply_settings() {
        let r = registry();
        let json = r.converter("JsonConverter").unwrap();
        let mut settings = ConfigMap::new();
        settings.insert("schemas.enable".into(), "false".into());
        let c = (json.factory.as_ref().unwrap())(&settings, false).unwrap();
        assert_eq!(
            c.from_connect_data("t", Some(&schemas::int32()), &Value::Int32(7))
                .unwrap(),
            Some(b"7".to_vec())
        );
        settings.insert("decimal.format".into(), "octal".into());
        let err = (json.factory.as_ref().unwrap())(&settings, true)
            .err()
            .unwrap()
            .to_string();
        assert!(err.contains("decimal.format"), "{err}");
        let s = r.converter("StringConverter").unwrap();
        let mut settings = ConfigMap::new();
        settings.insert("converter.encoding".into(), "UTF-16".into());
        assert!((s.header_factory.as_ref().unwrap())(&settings).is_err());
        assert_eq!(json.config_def.keys().len(), 4);
    }
}
