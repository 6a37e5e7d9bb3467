use std::cell::Cell;
use std::sync::Arc;

use ferroconnect_runtime::data::schema_cache::{SchemaCache, CACHE_SIZE};
use ferroconnect_runtime::data::{schemas, SchemaBuilder};

#[test]
fn derived_schema_is_built_once_per_schema_and_equal_schemas_hit() {
    let cache: SchemaCache<u32> = SchemaCache::new();
    let builds = Cell::new(0);
    let build = || {
        builds.set(builds.get() + 1);
        Ok(builds.get())
    };
    let a = SchemaBuilder::struct_()
        .field("a", schemas::int32())
        .build_ref();
    for _ in 0..100 {
        assert_eq!(cache.get_or_try_insert(&a, build).unwrap(), 1);
    }
    // An equal schema in a different Arc hits too.
    let a2 = Arc::new((*a).clone());
    assert_eq!(cache.get_or_try_insert(&a2, build).unwrap(), 1);
    assert_eq!(builds.get(), 1);
}

#[test]
fn least_recently_used_schema_is_evicted_past_the_limit() {
    let cache: SchemaCache<usize> = SchemaCache::new();
    let schemas: Vec<_> = (0..=CACHE_SIZE)
        .map(|i| {
            SchemaBuilder::struct_()
                .field(format!("f{i}"), schemas::int32())
                .build_ref()
        })
        .collect();
    for (i, s) in schemas.iter().enumerate() {
        cache.get_or_try_insert(s, || Ok(i)).unwrap();
    }
    assert_eq!(cache.len(), CACHE_SIZE);
    // Schema 0 was evicted: it is rebuilt.
    assert_eq!(cache.get_or_try_insert(&schemas[0], || Ok(99)).unwrap(), 99);
    // The most recent ones are still cached.
    assert_eq!(
        cache
            .get_or_try_insert(&schemas[CACHE_SIZE], || Ok(99))
            .unwrap(),
        CACHE_SIZE
    );
}
