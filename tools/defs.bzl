"""Shared build settings and macros for Eta's packages."""

# Copts every Eta target uses.
ETA_COPTS = [
    "-Wall",
    "-Wextra",
    "-Wno-unused-parameter",
    "-Wno-sign-compare",
    "-Wno-missing-field-initializers",
]

def eta_proto_library(name, src, visibility = None):
    """Runs the system protoc on `src` and wraps the C++ output as a cc_library.

    Args:
      name: the cc_library's name.
      src: the .proto file (in this package).
      visibility: the library's visibility.
    """
    base = src[:-len(".proto")]
    native.genrule(
        name = name + "_protoc",
        srcs = [src],
        outs = [base + ".pb.h", base + ".pb.cc"],
        cmd = "protoc --proto_path=. --cpp_out=$(GENDIR) $(location %s)" % src,
    )
    native.cc_library(
        name = name,
        srcs = [base + ".pb.cc"],
        hdrs = [base + ".pb.h"],
        deps = ["//third_party/system:protobuf"],
        visibility = visibility,
    )
