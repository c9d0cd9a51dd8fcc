{
  "targets": [
    {
      "target_name": "iomap_sim_tracefs",
      "sources": ["src/bridge/native/tracefs_reader.cc"],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")", "<!@(pkg-config --cflags-only-I libtracefs libtraceevent | sed 's/-I//g')"],
      "libraries": ["<!@(pkg-config --libs libtracefs libtraceevent)"],
      "defines": ["NAPI_VERSION=8", "NAPI_DISABLE_CPP_EXCEPTIONS"],
      "cflags_cc": ["-std=c++17", "-O2", "-Wall", "-fpermissive"]
    }
  ]
}
