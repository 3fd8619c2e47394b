#include "pipeline/ingest/csv_reader.h"

#include <cstdio>
#include <cstring>

#include "models/core/input_error.h"
#include "pipeline/ingest/text_util.h"

namespace wbe::ingest {
namespace {

constexpr std::string_view kUtf8Bom = "\xEF\xBB\xBF";

std::string HexByte(unsigned char c) {
  char buffer[8];
  std::snprintf(buffer, sizeof(buffer), "0x%02X", c);
  return buffer;
}

}  // namespace

std::string_view CheckTextAndStripBom(std::string_view bytes, const std::string& source_name) {
  if (bytes.size() >= 2 &&
      ((bytes[0] == '\xFF' && bytes[1] == '\xFE') || (bytes[0] == '\xFE' && bytes[1] == '\xFF'))) {
    throw InputError(source_name, 1, "",
                     "the file is UTF-16 text (Excel's \"Unicode text\"); save it as CSV UTF-8");
  }
  if (bytes.substr(0, kUtf8Bom.size()) == kUtf8Bom) bytes.remove_prefix(kUtf8Bom.size());
  if (const void* nul = std::memchr(bytes.data(), '\0', bytes.size()); nul != nullptr) {
    const size_t offset = static_cast<size_t>(static_cast<const char*>(nul) - bytes.data());
    throw InputError(source_name, LineOfOffset(bytes, offset), "",
                     "not a text file (NUL byte at byte offset " + std::to_string(offset) +
                         "); expected a CSV or JSON export");
  }
  return bytes;
}

bool CsvRecord::AllFieldsBlank() const {
  for (const std::string_view field : fields) {
    if (!Trim(field).empty()) return false;
  }
  return true;
}

CsvReader::CsvReader(std::string_view bytes, std::string source_name)
    : source_name_(std::move(source_name)) {
  text_ = CheckTextAndStripBom(bytes, source_name_);
}

std::string CsvReader::ColumnLabel(size_t index) const {
  const std::string number = "column " + std::to_string(index + 1);
  if (index < labels_.size() && !labels_[index].empty()) {
    return labels_[index] + " (" + number + ")";
  }
  return number;
}

void CsvReader::Fail(long line, size_t column, const std::string& message) const {
  throw InputError(source_name_, line, ColumnLabel(column), message);
}

bool CsvReader::ConsumeLineBreak() {
  if (pos_ >= text_.size()) return false;
  if (text_[pos_] == '\n') {
    ++pos_;
  } else if (text_[pos_] == '\r') {
    ++pos_;
    if (pos_ < text_.size() && text_[pos_] == '\n') ++pos_;
  } else {
    return false;
  }
  ++line_;
  return true;
}

bool CsvReader::Next(CsvRecord* record) {
  while (ConsumeLineBreak()) {
  }  // blank lines
  record->fields.clear();
  if (pos_ >= text_.size()) return false;
  record->line = line_;
  spans_.clear();
  scratch_.clear();
  const char* data = text_.data();
  const size_t size = text_.size();

  while (true) {
    Span span;
    if (pos_ < size && data[pos_] == '"') {
      const long quote_line = line_;
      ++pos_;
      span.begin = pos_;
      bool escaped = false;  // the field has doubled quotes, so it is unescaped into scratch_
      size_t scratch_begin = 0;
      size_t segment_begin = pos_;  // start of the text not yet copied into scratch_
      while (true) {
        const void* found = std::memchr(data + pos_, '"', size - pos_);
        if (found == nullptr) {
          Fail(quote_line, spans_.size(),
               "quoted field never closed: the file seems truncated (or has a stray '\"')");
        }
        const size_t quote = static_cast<size_t>(static_cast<const char*>(found) - data);
        for (size_t i = pos_; i < quote; ++i) {
          // Line breaks inside quotes still advance the physical line count.
          if (data[i] == '\n' || (data[i] == '\r' && (i + 1 >= size || data[i + 1] != '\n'))) {
            ++line_;
          }
        }
        if (quote + 1 < size && data[quote + 1] == '"') {
          if (!escaped) {
            escaped = true;
            scratch_begin = scratch_.size();
          }
          scratch_.append(data + segment_begin, data + quote + 1);  // keeps one quote
          pos_ = quote + 2;
          segment_begin = pos_;
          continue;
        }
        if (escaped) {
          scratch_.append(data + segment_begin, data + quote);
          span = Span{scratch_begin, scratch_.size() - scratch_begin, true};
        } else {
          span.length = quote - span.begin;
        }
        pos_ = quote + 1;
        break;
      }
      if (pos_ < size && data[pos_] != ',' && data[pos_] != '\n' && data[pos_] != '\r') {
        Fail(line_, spans_.size(),
             "text after a closing quote; a quote inside a quoted field "
             "must be doubled (\"\")");
      }
    } else {
      span.begin = pos_;
      while (pos_ < size && data[pos_] != ',' && data[pos_] != '\n' && data[pos_] != '\r') {
        ++pos_;
      }
      span.length = pos_ - span.begin;
    }
    spans_.push_back(span);
    if (pos_ < size && data[pos_] == ',') {
      ++pos_;
      continue;
    }
    ConsumeLineBreak();
    break;
  }

  record->fields.reserve(spans_.size());
  for (size_t i = 0; i < spans_.size(); ++i) {
    const Span& span = spans_[i];
    const std::string_view field = span.in_scratch
                                       ? std::string_view(scratch_).substr(span.begin, span.length)
                                       : text_.substr(span.begin, span.length);
    if (const size_t bad = FindInvalidUtf8(field); bad != std::string_view::npos) {
      Fail(record->line, i,
           "invalid UTF-8 (byte " + HexByte(static_cast<unsigned char>(field[bad])) + " at byte " +
               std::to_string(bad + 1) +
               " of the cell); the file may be GBK/GB18030 or Latin-1 encoded: save it as UTF-8");
    }
    record->fields.push_back(field);
  }
  return true;
}

}  // namespace wbe::ingest
