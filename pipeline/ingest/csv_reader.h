#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace wbe::ingest {

// Checks that `bytes` look like UTF-8 text before any parsing, so binary garbage fails with one
// clear message instead of a confusing one deep inside a parser. Refuses UTF-16 (Excel's
// "Unicode text") and any NUL byte; returns the bytes without a UTF-8 byte-order mark.
// Throws InputError("<source>:<line>: ...").
std::string_view CheckTextAndStripBom(std::string_view bytes, const std::string& source_name);

// One CSV record. The views point into the reader's input or its scratch buffer and stay valid
// until the next call to Next().
struct CsvRecord {
  std::vector<std::string_view> fields;
  long line = 0;  // physical line (1-based) where the record starts

  bool AllFieldsBlank() const;  // e.g. ",,,," rows spreadsheets leave at the end
};

// RFC 4180 reader over a byte buffer: fields separated by ',', optionally quoted with '"'
// (a quoted field may hold commas, doubled quotes and line breaks), records ending in LF, CRLF
// or a lone CR. Blank lines are skipped. Every field is checked to be valid UTF-8.
// Errors are InputError naming the source, the record's line and the column: "<label> (column
// N)" when column labels were set, else "column N".
class CsvReader {
 public:
  // Runs CheckTextAndStripBom first. `bytes` must outlive the reader.
  CsvReader(std::string_view bytes, std::string source_name);

  // Reads the next record; false at the end of the input. Throws InputError on an unterminated
  // quoted field (a truncated file), text after a closing quote, or invalid UTF-8.
  bool Next(CsvRecord* record);

  // Names used for columns in messages (e.g. the header row), index 0 = column 1.
  void SetColumnLabels(std::vector<std::string> labels) { labels_ = std::move(labels); }
  // "area (column 8)", or "column 8" when there is no label for it.
  std::string ColumnLabel(size_t index) const;

  const std::string& source_name() const { return source_name_; }
  // True when the input has been read to its end.
  bool at_end() const { return pos_ >= text_.size(); }

 private:
  struct Span {
    size_t begin = 0;  // offset into text_ or scratch_
    size_t length = 0;
    bool in_scratch = false;
  };

  [[noreturn]] void Fail(long line, size_t column, const std::string& message) const;
  // Consumes one line break at pos_ if there is one; returns whether it did.
  bool ConsumeLineBreak();

  std::string_view text_;
  std::string source_name_;
  std::vector<std::string> labels_;
  size_t pos_ = 0;
  long line_ = 1;  // physical line at pos_
  std::string scratch_;
  std::vector<Span> spans_;
};

}  // namespace wbe::ingest
