#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>

#include <Poco/Net/HTTPServerRequest.h>

namespace wbe {

// A request body (or one part of it) on disk while it is handled; removed when destroyed.
// Bodies go to disk, not memory, so that a slow or large upload costs no RAM while it arrives.
class SpooledFile {
 public:
  SpooledFile() = default;
  explicit SpooledFile(std::string path) : path_(std::move(path)) {}
  SpooledFile(SpooledFile&& other) noexcept;
  SpooledFile& operator=(SpooledFile&& other) noexcept;
  SpooledFile(const SpooledFile&) = delete;
  SpooledFile& operator=(const SpooledFile&) = delete;
  ~SpooledFile();

  const std::string& path() const { return path_; }
  uint64_t size_bytes = 0;

 private:
  std::string path_;
};

struct SpoolLimits {
  uint64_t max_bytes = 64ull << 20;
  std::chrono::steady_clock::time_point deadline;
};

// Reads the whole request body into a new file under `directory`. Throws HttpError 413 past
// max_bytes (a declared Content-Length is checked before reading) and 408 past the deadline.
SpooledFile SpoolRequestBody(Poco::Net::HTTPServerRequest& request, const std::string& directory,
                             const SpoolLimits& limits);

// The whole spooled file as bytes.
std::string ReadSpooled(const SpooledFile& file);

// A multipart/form-data body: text fields, and file parts each spooled to its own file.
struct MultipartUpload {
  struct FilePart {
    std::string filename;
    std::string content_type;
    SpooledFile file;
  };
  std::map<std::string, std::string> fields;
  std::map<std::string, FilePart> files;  // by part name
};

// Parses a spooled multipart body (the boundary comes from the request's Content-Type).
// Throws HttpError 422 when it is malformed.
MultipartUpload ParseMultipart(const Poco::Net::HTTPServerRequest& request, const SpooledFile& body,
                               const std::string& directory);

// The file name part of a client-given name: no directories, no control characters, at most
// 200 characters; `fallback` when nothing is left.
std::string SafeFileName(const std::string& name, const std::string& fallback);

}  // namespace wbe
