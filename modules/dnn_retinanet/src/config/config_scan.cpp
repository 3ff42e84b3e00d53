// This file is part of the dnn_retinanet module.
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// Pre-scan of config text before cv::FileStorage sees it.
//
// Why an own bounded scanner in front of cv::FileStorage rather than libyaml: OpenCV 4.6's YAML
// reader recurses once per nesting level (a 100 KB "[[[[..." overflows the stack), can throw
// std::length_error on malformed input and can loop on some truncated constructs. Replacing it by
// libyaml would add a dependency to both build modes (inside an OpenCV tree and standalone) and a
// second YAML dialect (OpenCV's "%YAML:1.0" header is not valid YAML 1.1 for libyaml), while the
// config format only needs maps, flow lists and plain/quoted scalars. So the text is first checked
// here in one linear pass with no recursion and no allocation beyond the input: size, NUL and
// control bytes, line count and length, nesting depth (brackets and indentation), unterminated
// quotes and brackets, and the YAML features configs never use (anchors, aliases, tags, block
// scalars, directives other than OpenCV's header, several documents). Whatever passes is small,
// shallow and simple, which is what FileStorage handles; every exception it might still throw is
// turned into a cv::Exception naming the file.

#include "../precomp.hpp"
#include "config_scan.hpp"

#include <fstream>
#include <new>
#include <stdexcept>
#include <sys/stat.h>

namespace cv { namespace dnn_retinanet { namespace detail {

namespace {
[[noreturn]] void fail(const std::string& where, int line, const std::string& what)
{
    CV_Error(Error::StsParseError, format("dnn_retinanet: cannot read config '%s': line %d: %s",
                                          where.c_str(), line, what.c_str()));
}
bool isSpace(char c) { return c == ' ' || c == '\t'; }
}

void scanConfigText(const std::string& text, const std::string& where)
{
    if (text.size() > (size_t)kConfigMaxBytes)
        CV_Error(Error::StsParseError, format("dnn_retinanet: cannot read config '%s': %zu bytes is over the limit of %d bytes",
                                              where.c_str(), text.size(), (int)kConfigMaxBytes));
    bool blank = true;
    for (char c : text)
        if (!isSpace(c) && c != '\n' && c != '\r') { blank = false; break; }
    if (blank)
        CV_Error(Error::StsParseError, "dnn_retinanet: cannot read config '" + where + "': it is empty");

    const bool json = text.find_first_not_of(" \t\r\n") != std::string::npos &&
                      text[text.find_first_not_of(" \t\r\n")] == '{';
    int line = 1, flowDepth = 0, documents = 0;
    bool seenContent = false;
    size_t pos = 0;
    const size_t n = text.size();
    while (pos < n)
    {
        if (line > kConfigMaxLines)
            fail(where, line, format("more than %d lines", (int)kConfigMaxLines));
        size_t end = text.find('\n', pos);
        if (end == std::string::npos) end = n;
        if (end - pos > (size_t)kConfigMaxLineLength)
            fail(where, line, format("line longer than %d characters", (int)kConfigMaxLineLength));
        // Indentation (block nesting) outside flow collections.
        size_t i = pos;
        while (i < end && text[i] == ' ') i++;
        if (i < end && text[i] == '\t' && !json && flowDepth == 0)
            fail(where, line, "tab in indentation (YAML indents with spaces)");
        if (i - pos > (size_t)kConfigMaxIndent)
            fail(where, line, format("indented more than %d columns", (int)kConfigMaxIndent));
        if (line == 1 && text.compare(pos, 5, "%YAML") == 0)
        { pos = end + 1; line++; continue; }  // OpenCV's "%YAML:1.0" header
        if (!json && flowDepth == 0 && (text.compare(pos, 3, "---") == 0 || text.compare(pos, 3, "...") == 0) &&
            (end - pos == 3 || isSpace(text[pos + 3]) || text[pos + 3] == '\r'))
        {
            if (text[pos] == '.' || ++documents > 1)
                fail(where, line, "more than one YAML document");
            // Nothing but a comment after the marker: OpenCV 4.6 loops forever on
            // "%YAML:1.0\n--- -t8\n4\n-8\n" (fuzz_config, 1.1 M executions in).
            size_t j = pos + 3;
            while (j < end && (isSpace(text[j]) || text[j] == '\r')) j++;
            if (j < end && text[j] != '#')
                fail(where, line, "content after the document marker '---' (start the config on the next line)");
            pos = end + 1; line++; continue;
        }
        // "...-" / "----" at the start of a line: OpenCV 4.6 loops forever on "...-\n  a: 1\n" (fuzz_config).
        if (!json && flowDepth == 0 && (text.compare(pos, 3, "---") == 0 || text.compare(pos, 3, "...") == 0))
            fail(where, line, "a line starting with '---' or '...' that is not a document marker");
        // The top level starts in column 1: OpenCV 4.6's reader loops forever on an indented root
        // followed by a less indented line ("%YAML:1.0\n---\n  a: 1\n----\n# x\n", found by fuzz_config).
        if (!json && flowDepth == 0 && !seenContent && i < end && text[i] != '#' && text[i] != '\r')
        {
            seenContent = true;
            if (i > pos)
                fail(where, line, "the top level of a YAML config must start in the first column");
        }
        bool tokenStart = true;
        for (; i < end; i++)
        {
            const unsigned char c = (unsigned char)text[i];
            if (c == 0)
                fail(where, line, "NUL byte");
            if (c < 0x20 && c != '\t' && c != '\r')
                fail(where, line, format("control character 0x%02x", c));
            if (c == 0x7f)
                fail(where, line, "control character 0x7f");
            if (c == '#' && (i == pos || isSpace(text[i - 1])) && !json)
                break;  // comment to the end of the line
            if (c == '"' || (c == '\'' && tokenStart))
            {
                // Quoted scalar: must close on the same line (configs never need multi-line strings).
                size_t j = i + 1;
                for (; j < end; j++)
                {
                    const unsigned char d = (unsigned char)text[j];
                    if (d == 0) fail(where, line, "NUL byte");
                    if (d < 0x20 && d != '\t') fail(where, line, format("control character 0x%02x in a string", d));
                    if (c == '"' && d == '\\') { j++; continue; }
                    if (d == c)
                    {
                        if (c == '\'' && j + 1 < end && text[j + 1] == '\'') { j++; continue; }  // '' escape
                        break;
                    }
                }
                if (j >= end)
                    fail(where, line, "unterminated quoted string");
                i = j;
                tokenStart = false;
                continue;
            }
            if (c == '[' || c == '{')
            {
                if (++flowDepth > kConfigMaxDepth)
                    fail(where, line, format("nested deeper than %d levels", (int)kConfigMaxDepth));
                tokenStart = true;
                continue;
            }
            if (c == ']' || c == '}')
            {
                if (--flowDepth < 0)
                    fail(where, line, std::string("unbalanced '") + (char)c + "'");
                tokenStart = false;
                continue;
            }
            if (!json && tokenStart && (c == '&' || c == '*' || c == '!' || c == '|' || c == '>' ||
                                        c == '%' || c == '@' || c == '`'))
                fail(where, line, std::string("unsupported YAML construct starting with '") + (char)c +
                                  "' (anchors, aliases, tags, block scalars and directives are not accepted)");
            if (c == ':' && tokenStart && !json)
                fail(where, line, "empty mapping key (':' with no key before it)");  // std::length_error in OpenCV 4.6
            if (c == '?' && tokenStart && !json)
                fail(where, line, "complex mapping keys ('?') are not accepted");
            tokenStart = isSpace((char)c) || c == ',';
            if (c == '-' && i + 1 < end && isSpace(text[i + 1]) && (i == pos || isSpace(text[i - 1])))
                tokenStart = true;
        }
        pos = end + 1;
        line++;
    }
    if (flowDepth != 0)
        fail(where, line - 1, "unclosed '[' or '{' at the end of the text");
}

std::string readConfigFile(const std::string& path)
{
    struct stat st;
    if (::stat(path.c_str(), &st) != 0)
        CV_Error(Error::StsObjectNotFound, "dnn_retinanet: config file not found: '" + path + "'");
    if (S_ISDIR(st.st_mode))
        CV_Error(Error::StsBadArg, "dnn_retinanet: config path '" + path + "' is a directory, not a file");
    if (!S_ISREG(st.st_mode))
        CV_Error(Error::StsBadArg, "dnn_retinanet: config path '" + path + "' is not a regular file");
    if (path.size() >= 3 && path.compare(path.size() - 3, 3, ".gz") == 0)
        CV_Error(Error::StsBadArg, "dnn_retinanet: compressed config '" + path +
                                   "' is not accepted (it could not be checked before parsing); gunzip it first");
    if (st.st_size > (off_t)kConfigMaxBytes)
        CV_Error(Error::StsParseError, format("dnn_retinanet: cannot read config '%s': %lld bytes is over the limit of %d bytes",
                                              path.c_str(), (long long)st.st_size, (int)kConfigMaxBytes));
    std::ifstream f(path.c_str(), std::ios::binary);
    if (!f)
        CV_Error(Error::StsError, "dnn_retinanet: cannot open config '" + path + "'");
    std::string text;
    text.resize((size_t)kConfigMaxBytes + 1);
    f.read(&text[0], (std::streamsize)text.size());
    text.resize((size_t)f.gcount());
    if (text.empty())
        CV_Error(Error::StsParseError, "dnn_retinanet: cannot read config '" + path + "': the file is empty");
    return text;
}

RetinaNetConfig readConfigText(const std::string& text, const std::string& where)
{
    scanConfigText(text, where);
    try
    {
        FileStorage fs;
        try
        {
            fs.open(text, FileStorage::READ | FileStorage::MEMORY);
        }
        catch (const cv::Exception& e)
        {
            CV_Error(Error::StsParseError, "dnn_retinanet: cannot parse config '" + where + "': " + e.err);
        }
        if (!fs.isOpened())
            CV_Error(Error::StsParseError, "dnn_retinanet: cannot parse config '" + where + "'");
        try
        {
            return RetinaNetConfig::read(fs.root());
        }
        catch (const cv::Exception& e)
        {
            if (e.err.find("dnn_retinanet") == 0 || e.err.find("dnn_retinanet config") == 0)
                CV_Error(e.code, e.err + " (in '" + where + "')");
            CV_Error(Error::StsParseError, "dnn_retinanet: cannot parse config '" + where + "': " + e.err);
        }
    }
    catch (const cv::Exception&)
    {
        throw;
    }
    catch (const std::bad_alloc&)
    {
        CV_Error(Error::StsNoMem, "dnn_retinanet: out of memory reading config '" + where + "'");
    }
    catch (const std::exception& e)
    {
        CV_Error(Error::StsParseError, "dnn_retinanet: cannot parse config '" + where + "': " + e.what());
    }
}

}}} // namespace
