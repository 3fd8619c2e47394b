#include "pipeline/server/upload_spool.h"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <Poco/Net/HTMLForm.h>
#include <Poco/Net/MessageHeader.h>
#include <Poco/Net/NameValueCollection.h>
#include <Poco/Net/PartHandler.h>

#include "pipeline/archive/durable_file.h"
#include "pipeline/server/api_exchange.h"

namespace wbe {
namespace fs = std::filesystem;
namespace {

std::string NewSpoolPath(const std::string& directory) {
  static std::atomic<unsigned long long> counter{0};
  fs::create_directories(directory);
  return (fs::path(directory) /
          ("upload-" + std::to_string(::getpid()) + "-" + std::to_string(counter++) + ".part"))
      .string();
}

}  // namespace

SpooledFile::SpooledFile(SpooledFile&& other) noexcept
    : size_bytes(other.size_bytes), path_(std::move(other.path_)) {
  other.path_.clear();
}

SpooledFile& SpooledFile::operator=(SpooledFile&& other) noexcept {
  if (this != &other) {
    if (!path_.empty()) ::unlink(path_.c_str());
    path_ = std::move(other.path_);
    size_bytes = other.size_bytes;
    other.path_.clear();
  }
  return *this;
}

SpooledFile::~SpooledFile() {
  if (!path_.empty()) ::unlink(path_.c_str());
}

SpooledFile SpoolRequestBody(Poco::Net::HTTPServerRequest& request, const std::string& directory,
                             const SpoolLimits& limits) {
  const auto too_large = [&] {
    return HttpError(413, "the request body is larger than the server's limit of " +
                              std::to_string(limits.max_bytes) + " bytes");
  };
  if (request.hasContentLength() &&
      static_cast<uint64_t>(request.getContentLength64()) > limits.max_bytes) {
    throw too_large();
  }
  SpooledFile spooled(NewSpoolPath(directory));
  const int fd = ::open(spooled.path().c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0)
    throw std::runtime_error("cannot create a spool file: " + std::string(strerror(errno)));
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  std::istream& in = request.stream();
  char buffer[1 << 16];
  while (in) {
    if (std::chrono::steady_clock::now() > limits.deadline) {
      throw HttpError(408, "the request body did not arrive within the server's time limit");
    }
    in.read(buffer, sizeof(buffer));
    const std::streamsize got = in.gcount();
    if (got <= 0) break;
    spooled.size_bytes += static_cast<uint64_t>(got);
    if (spooled.size_bytes > limits.max_bytes) throw too_large();
    WriteAll(fd, std::string_view(buffer, static_cast<size_t>(got)), "spool file");
  }
  if (in.bad()) {
    // The socket timed out (or failed) between bytes: a stalled client.
    throw HttpError(408, "the request body stalled; it must keep arriving (the server waits " +
                             std::string("at most its idle timeout between bytes)"));
  }
  if (request.hasContentLength() &&
      spooled.size_bytes != static_cast<uint64_t>(request.getContentLength64())) {
    throw HttpError(400, "the request body ended before its declared Content-Length");
  }
  return spooled;
}

namespace {

class SpoolingPartHandler : public Poco::Net::PartHandler {
 public:
  SpoolingPartHandler(MultipartUpload* upload, std::string directory)
      : upload_(upload), directory_(std::move(directory)) {}

  void handlePart(const Poco::Net::MessageHeader& header, std::istream& stream) override {
    std::string disposition;
    Poco::Net::NameValueCollection parameters;
    Poco::Net::MessageHeader::splitParameters(header.get("Content-Disposition", ""), disposition,
                                              parameters);
    const std::string name = parameters.get("name", "");
    MultipartUpload::FilePart part;
    part.filename = parameters.get("filename", "");
    part.content_type = header.get("Content-Type", "application/octet-stream");
    part.file = SpooledFile(NewSpoolPath(directory_));
    std::ofstream out(part.file.path(), std::ios::binary);
    char buffer[1 << 16];
    while (stream) {
      stream.read(buffer, sizeof(buffer));
      const std::streamsize got = stream.gcount();
      if (got <= 0) break;
      out.write(buffer, got);
      part.file.size_bytes += static_cast<uint64_t>(got);
    }
    out.close();
    if (!out) throw std::runtime_error("cannot write a spooled part");
    upload_->files[name] = std::move(part);
  }

 private:
  MultipartUpload* upload_;
  std::string directory_;
};

}  // namespace

MultipartUpload ParseMultipart(const Poco::Net::HTTPServerRequest& request, const SpooledFile& body,
                               const std::string& directory) {
  MultipartUpload upload;
  SpoolingPartHandler handler(&upload, directory);
  std::ifstream in(body.path(), std::ios::binary);
  Poco::Net::HTMLForm form;
  try {
    form.load(request, in, handler);
  } catch (const Poco::Exception& e) {
    throw HttpError(422, "the multipart body is malformed: " + e.message());
  }
  for (const auto& [name, value] : form) upload.fields[name] = value;
  return upload;
}

std::string ReadSpooled(const SpooledFile& file) {
  std::ifstream in(file.path(), std::ios::binary);
  std::ostringstream bytes;
  bytes << in.rdbuf();
  if (!in.good() && !in.eof()) throw std::runtime_error("cannot read a spooled request body");
  return bytes.str();
}

std::string SafeFileName(const std::string& name, const std::string& fallback) {
  std::string base = name;
  const size_t slash = base.find_last_of("/\\");
  if (slash != std::string::npos) base = base.substr(slash + 1);
  std::string clean;
  for (const char c : base) {
    if (static_cast<unsigned char>(c) >= 0x20 && c != 0x7f) clean += c;
  }
  if (clean.size() > 200) clean.resize(200);
  if (clean.empty() || clean == "." || clean == "..") return fallback;
  return clean;
}

}  // namespace wbe
