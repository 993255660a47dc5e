// Runs the decoder fuzz target as a normal test: over every file of the
// seed corpus, then over deterministic mutations of them (bit flips, byte
// changes, truncations, splices), so the sanitizer builds exercise it too.
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include "gtest/gtest.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

std::vector<std::string> LoadCorpus() {
  std::vector<std::string> inputs;
  std::filesystem::path dir = "wire/fuzz_corpus";
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    std::ifstream in(entry.path(), std::ios::binary);
    inputs.emplace_back(std::istreambuf_iterator<char>(in),
                        std::istreambuf_iterator<char>());
  }
  return inputs;
}

void RunInput(const std::string& input) {
  LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(input.data()),
                         input.size());
}

TEST(DecodeFuzzerTest, SeedCorpus) {
  std::vector<std::string> corpus = LoadCorpus();
  ASSERT_GE(corpus.size(), 20u);
  for (const std::string& input : corpus) RunInput(input);
}

TEST(DecodeFuzzerTest, MutationsOfTheCorpus) {
  std::vector<std::string> corpus = LoadCorpus();
  std::mt19937 rng(12345);
  for (int round = 0; round < 20000; ++round) {
    std::string input = corpus[rng() % corpus.size()];
    for (int edits = 1 + rng() % 4; edits > 0; --edits) {
      switch (rng() % 5) {
        case 0:
          if (!input.empty()) input[rng() % input.size()] ^= 1 << (rng() % 8);
          break;
        case 1:
          if (!input.empty()) input[rng() % input.size()] = static_cast<char>(rng());
          break;
        case 2:
          input.resize(input.empty() ? 0 : rng() % input.size());
          break;
        case 3: {
          const std::string& other = corpus[rng() % corpus.size()];
          input.insert(input.empty() ? 0 : rng() % input.size(),
                       other.substr(rng() % (other.size() + 1)));
          break;
        }
        default:
          if (!input.empty()) input.insert(rng() % input.size(), 1, static_cast<char>(rng() % 16));
          break;
      }
    }
    RunInput(input);
  }
}

}  // namespace
