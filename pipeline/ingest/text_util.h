#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

// Small text helpers shared by the ingest parsers. Everything is ASCII-only on purpose: lab files
// are UTF-8, and case folding or trimming must never split a multi-byte character.
namespace wbe::ingest {

std::string_view Trim(std::string_view text);  // ASCII spaces and tabs at both ends
std::string LowerAscii(std::string_view text);
bool EqualsIgnoreCase(std::string_view a, std::string_view b);
bool EndsWithIgnoreCase(std::string_view text, std::string_view suffix);
bool StartsWithIgnoreCase(std::string_view text, std::string_view prefix);

// Strict decimal number: optional sign, digits, '.', exponent; leading and trailing blanks are
// allowed; NaN, infinity, hex, thousands separators and units are not.
std::optional<double> ParseNumber(std::string_view text);
// Whole number in long's range, optional sign, blanks allowed.
std::optional<long> ParseWholeNumber(std::string_view text);

// Where a UTF-8 sequence in `text` goes wrong: the offset of the first bad byte, or npos.
// Overlong forms, surrogates and code points above U+10FFFF count as wrong.
size_t FindInvalidUtf8(std::string_view text);

// `text` safe to put in a message: control characters and bytes that are not UTF-8 as \xNN.
std::string SafeText(std::string_view text);

// A cell's text for an error message: SafeText, quoted and shortened to about 40 characters,
// so a message stays one short line.
std::string QuoteForMessage(std::string_view text);

// "600.0 MiB" style sizes for limits in messages.
std::string FormatByteSize(size_t bytes);

// 1-based line number of byte `offset` in `text` (counts LF, CRLF and lone CR as one break).
long LineOfOffset(std::string_view text, size_t offset);

}  // namespace wbe::ingest
