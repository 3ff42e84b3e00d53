// This file is part of the dnn_retinanet module.
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// Config loading on hostile input: it must neither hang, abort nor overflow the stack, and every
// error is a cv::Exception naming the file and the problem (issue 13, doc/robustness.md).

#include "test_precomp.hpp"

#include <cstdio>
#include <fstream>
#include <sys/stat.h>

namespace opencv_test { namespace {

using namespace cv::dnn_retinanet;

std::string writeRaw(const std::string& name, const std::string& text)
{
    std::string path = cv::tempfile(("_" + name).c_str());
    std::ofstream f(path.c_str(), std::ios::binary);
    f << text;
    return path;
}

const std::string kHeader = "%YAML:1.0\n---\nbase: torchvision\n";

TEST(DnnRetinaNet_ConfigRobustness, empty_key_does_not_throw_length_error)
{
    // OpenCV 4.6's YAML reader throws std::length_error (basic_string::_M_create) on a key that
    // starts with ':' (found by mutating a preset); it used to escape load() and abort the samples.
    const std::string path = writeRaw("colon.yml", "%YAML:1.0\n---\nname: x\nanchors:\n  sizes: [[32], [64]]\n  :ratios: [0.5, 1, 2]\n");
    EXPECT_CV_ERROR(RetinaNetConfig::load(path), "empty mapping key");
    EXPECT_CV_ERROR(RetinaNetConfig::load(path), path);
}

TEST(DnnRetinaNet_ConfigRobustness, indented_root_does_not_hang)
{
    // Found by fuzz/fuzz_config: OpenCV 4.6's YAML reader loops forever on this 29-byte text.
    EXPECT_CV_ERROR(RetinaNetConfig::load(writeRaw("hang.yml", "%YAML:1.0\n---\n  a: 1\n----\n# x\n")),
                    "must start in the first column");
    EXPECT_CV_ERROR(RetinaNetConfig::load(writeRaw("hang2.yml", "%YAML:1.0\n---\n...-\n  a: 1\n")),
                    "not a document marker");
    // fuzz_config, 1.1 M executions into an hour's run (minimised to 25 bytes): content after "---"
    EXPECT_CV_ERROR(RetinaNetConfig::load(writeRaw("hang3.yml", "%YAML:1.10\n--- -t8\n4\n--8\n")),
                    "content after the document marker");
    EXPECT_CV_ERROR(RetinaNetConfig::load(writeRaw("hang4.yml", "%YAML:1.0\n--- -t8\n4\n-8\n")),
                    "content after the document marker");
    // a marker with a comment is fine
    EXPECT_NO_THROW(RetinaNetConfig::load(writeRaw("marker_comment.yml",
                                                   "%YAML:1.0\n---  # torchvision\nbase: torchvision\nnum_classes: 3\n")));
}

TEST(DnnRetinaNet_ConfigRobustness, deep_nesting_is_rejected_before_parsing)
{
    EXPECT_CV_ERROR(RetinaNetConfig::load(writeRaw("deep.yml", "a: " + std::string(4000, '['))), "nested deeper than");
    EXPECT_CV_ERROR(RetinaNetConfig::load(writeRaw("deep2.yml", "{\"a\": " + std::string(4000, '{'))), "nested deeper than");
    // The 100 KB "[[[[..." on one line (stack overflow in OpenCV 4.6's reader).
    EXPECT_CV_ERROR(RetinaNetConfig::load(writeRaw("deep100k.yml", std::string(100000, '['))), "line longer than 4096");
    std::string indented = "%YAML:1.0\n---\n";
    for (int i = 0; i < 200; i++) indented += std::string(i, ' ') + "k:\n";
    EXPECT_CV_ERROR(RetinaNetConfig::load(writeRaw("indent.yml", indented)), "indented more than");
}

TEST(DnnRetinaNet_ConfigRobustness, size_nul_and_control_bytes)
{
    EXPECT_CV_ERROR(RetinaNetConfig::load(writeRaw("big.yml", kHeader + "name: " + std::string(2 << 20, 'x') + "\n")),
                    "over the limit of 1048576 bytes");
    EXPECT_CV_ERROR(RetinaNetConfig::load(writeRaw("nul.yml", kHeader + std::string("name: a\0b\n", 10))), "NUL byte");
    EXPECT_CV_ERROR(RetinaNetConfig::load(writeRaw("ctl.yml", kHeader + "name: a\x01" "b\n")), "control character 0x01");
    EXPECT_CV_ERROR(RetinaNetConfig::load(writeRaw("line.yml", kHeader + "name: " + std::string(5000, 'x') + "\n")), "line longer than");
    std::string many = kHeader;
    for (int i = 0; i < 30000; i++) many += "#\n";
    EXPECT_CV_ERROR(RetinaNetConfig::load(writeRaw("lines.yml", many)), "more than 20000 lines");
}

TEST(DnnRetinaNet_ConfigRobustness, unsupported_yaml_constructs)
{
    EXPECT_CV_ERROR(RetinaNetConfig::load(writeRaw("alias.yml", kHeader + "name: &a x\nclass_names: [*a]\n")), "unsupported YAML construct");
    EXPECT_CV_ERROR(RetinaNetConfig::load(writeRaw("tag.yml", kHeader + "name: !!str x\n")), "unsupported YAML construct");
    EXPECT_CV_ERROR(RetinaNetConfig::load(writeRaw("block.yml", kHeader + "name: |\n  x\n")), "unsupported YAML construct");
    EXPECT_CV_ERROR(RetinaNetConfig::load(writeRaw("quote.yml", kHeader + "name: \"abc\n")), "unterminated quoted string");
    EXPECT_CV_ERROR(RetinaNetConfig::load(writeRaw("open.yml", kHeader + "class_names: [a, b\n")), "unclosed");
    EXPECT_CV_ERROR(RetinaNetConfig::load(writeRaw("close.yml", kHeader + "class_names: a]\n")), "unbalanced");
    EXPECT_CV_ERROR(RetinaNetConfig::load(writeRaw("docs.yml", kHeader + "---\nname: y\n")), "more than one YAML document");
}

TEST(DnnRetinaNet_ConfigRobustness, directory_empty_compressed_and_scalar_sections)
{
    const std::string dir = cv::tempfile("_dir.yml");
    ASSERT_EQ(0, mkdir(dir.c_str(), 0700));
    EXPECT_CV_ERROR(RetinaNetConfig::load(dir), "is a directory");
    rmdir(dir.c_str());
    EXPECT_CV_ERROR(RetinaNetConfig::load(writeRaw("empty.yml", "")), "empty");
    EXPECT_CV_ERROR(RetinaNetConfig::load(writeRaw("blank.yml", "\n  \n")), "empty");
    EXPECT_CV_ERROR(RetinaNetConfig::load(writeRaw("c.yml.gz", "\x1f\x8b")), "compressed config");
    EXPECT_CV_ERROR(RetinaNetConfig::load(writeRaw("scalar.yml", kHeader + "anchors: 5\n")), "'anchors' must be a section");
    EXPECT_CV_ERROR(RetinaNetConfig::load(writeRaw("list.yml", kHeader + "selection: [1, 2]\n")), "'selection' must be a section");
}

TEST(DnnRetinaNet_ConfigRobustness, valid_configs_still_load)
{
    // Comments with quotes, quoted strings with '#', JSON and the writer's own output all pass the scan.
    RetinaNetConfig c = RetinaNetConfig::load(writeRaw("ok.yml", kHeader + "# it's a comment: [ {\nname: \"a # b\"  # don't\nclass_names: ['it''s', \"q\\\"\", c]\nnum_classes: 3\n"));
    EXPECT_EQ("a # b", c.name);
    ASSERT_EQ(3u, c.classNames.size());
    EXPECT_EQ("it's", c.classNames[0]);
    for (const std::string& p : RetinaNetConfig::presetNames())
    {
        const std::string yml = cv::tempfile(".yml"), json = cv::tempfile(".json");
        RetinaNetConfig::preset(p).save(yml);
        RetinaNetConfig::preset(p).save(json);
        EXPECT_NO_THROW(RetinaNetConfig::load(yml)) << p;
        EXPECT_NO_THROW(RetinaNetConfig::load(json)) << p;
        std::remove(yml.c_str());
        std::remove(json.c_str());
    }
}

}} // namespace
