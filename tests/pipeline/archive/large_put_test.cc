// A 50 MB upload streamed into the archive in bounded memory. Its own test program, so the
// process's peak resident size is this test's alone.

#include <gtest/gtest.h>
#include <sys/resource.h>

#include <array>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <string>

#include "pipeline/archive/raw_archive.h"
#include "tests/pipeline/archive/archive_test_util.h"

namespace wbe {
namespace {

using testing_util::ScratchDir;

constexpr uint64_t kUploadBytes = uint64_t{50} << 20;
// The copy buffer is 1 MiB; allow for allocator slack, nothing like the 50 MiB of the file.
constexpr long kPeakGrowthLimitKiB = 12 * 1024;

long PeakResidentKiB() {
  struct rusage usage {};
  ::getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss;  // KiB on Linux
}

// Deterministic, incompressible-looking bytes, written one block at a time.
void WriteLargeFile(const std::string& path, uint64_t size_bytes) {
  std::ofstream out(path, std::ios::binary);
  std::string block(1 << 16, '\0');
  uint64_t state = 0x9E3779B97F4A7C15u;
  for (uint64_t written = 0; written < size_bytes; written += block.size()) {
    for (char& c : block) {
      state ^= state << 13;
      state ^= state >> 7;
      state ^= state << 17;
      c = static_cast<char>(state);
    }
    out.write(block.data(),
              static_cast<std::streamsize>(std::min<uint64_t>(block.size(), size_bytes - written)));
  }
}

// An independent opinion on the hash: coreutils' sha256sum, when present.
std::string Sha256sumTool(const std::string& path) {
  FILE* pipe = ::popen(("sha256sum '" + path + "' 2>/dev/null").c_str(), "r");
  if (pipe == nullptr) return "";
  std::array<char, 65> digest{};
  const std::size_t n = std::fread(digest.data(), 1, 64, pipe);
  ::pclose(pipe);
  return n == 64 ? std::string(digest.data(), 64) : "";
}

TEST(LargePutTest, FiftyMegabytesStreamInBoundedMemory) {
  ScratchDir dir(WBE_BINARY_DIR);  // the build tree, not a possibly small tmpfs
  const std::string upload = dir.Sub("upload.bin");
  WriteLargeFile(upload, kUploadBytes);
  RawArchive archive(dir.Sub("data"));

  const long before_kib = PeakResidentKiB();
  const StoredObject stored = archive.PutFile(upload);
  const uint64_t verified_bytes = archive.Verify(stored.sha256);
  const StoredObject again = archive.PutFile(upload);
  const long growth_kib = PeakResidentKiB() - before_kib;

  EXPECT_FALSE(stored.existed);
  EXPECT_TRUE(again.existed);
  EXPECT_EQ(stored.size_bytes, kUploadBytes);
  EXPECT_EQ(verified_bytes, kUploadBytes);
  EXPECT_EQ(Sha256HexOfFile(upload), stored.sha256);
  const std::string tool = Sha256sumTool(upload);
  if (!tool.empty()) {
    EXPECT_EQ(tool, stored.sha256);
  }
  EXPECT_TRUE(archive.Debris().empty());
  EXPECT_LT(growth_kib, kPeakGrowthLimitKiB) << "peak resident size grew by " << growth_kib
                                             << " KiB while streaming " << kUploadBytes << " bytes";
}

}  // namespace
}  // namespace wbe
