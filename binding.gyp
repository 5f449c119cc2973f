{
  # The native packet I/O addon of `netsieve run` (docs/native.md).
  # Built by scripts/build-native.js (the npm install script) with node-gyp.
  "targets": [
    {
      "target_name": "netsieve_io",
      "sources": ["native/netsieve_io.c"],
      "cflags": ["-std=gnu11", "-O2", "-Wall", "-Wextra", "-Wno-unused-parameter", "-Wno-missing-field-initializers"]
    }
  ]
}
