// embed OUT.cc NAME=PATH ...: writes a C++ file embedding the files.
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: embed OUT.cc NAME=PATH ...\n");
    return 2;
  }
  std::ofstream out(argv[1]);
  out << "#include \"stdlib/embedded.h\"\n\nnamespace eta::stdlib {\nnamespace {\n";
  std::vector<std::string> names;
  for (int i = 2; i < argc; ++i) {
    std::string arg = argv[i];
    size_t eq = arg.find('=');
    if (eq == std::string::npos) return 2;
    std::ifstream in(arg.substr(eq + 1), std::ios::binary);
    if (!in) {
      std::fprintf(stderr, "embed: cannot read %s\n", arg.c_str());
      return 1;
    }
    std::ostringstream bytes;
    bytes << in.rdbuf();
    std::string data = bytes.str();
    out << "const unsigned char kFile" << names.size() << "[] = {";
    for (size_t j = 0; j < data.size(); ++j) {
      if (j % 16 == 0) out << "\n";
      out << static_cast<int>(static_cast<unsigned char>(data[j])) << ",";
    }
    out << "0};\nconst size_t kSize" << names.size() << " = " << data.size() << ";\n";
    names.push_back(arg.substr(0, eq));
  }
  out << "const EmbeddedFile kFiles[] = {\n";
  for (size_t i = 0; i < names.size(); ++i) {
    out << "  {\"" << names[i] << "\", kFile" << i << ", kSize" << i << "},\n";
  }
  out << "};\n}  // namespace\n\nabsl::Span<const EmbeddedFile> EmbeddedFiles() { return kFiles; }\n\n"
         "}  // namespace eta::stdlib\n";
  return 0;
}
