// SPDX-License-Identifier: GPL-3.0-or-later
// A main for the fuzz targets where libFuzzer is not linked (g++ builds): runs every file named
// on the command line, or found in a directory named there, through LLVMFuzzerTestOneInput once.
// Flags (-runs=0, ...) are accepted and ignored so that ctest calls both kinds alike. No input
// at all is a failure: an empty corpus would prove nothing.

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

namespace {

std::vector<std::filesystem::path> inputsOf(const std::filesystem::path &argument)
{
    std::vector<std::filesystem::path> files;
    if (std::filesystem::is_directory(argument)) {
        for (const auto &entry : std::filesystem::recursive_directory_iterator(argument)) {
            if (entry.is_regular_file())
                files.push_back(entry.path());
        }
        std::sort(files.begin(), files.end());
    } else if (std::filesystem::is_regular_file(argument)) {
        files.push_back(argument);
    }
    return files;
}

} // namespace

int main(int argc, char **argv)
{
    size_t replayed = 0;
    for (int i = 1; i < argc; ++i) {
        const std::string argument = argv[i];
        if (argument.starts_with('-'))
            continue;
        const auto files = inputsOf(argument);
        if (files.empty()) {
            std::fprintf(stderr, "replay: no inputs in %s\n", argument.c_str());
            return 1;
        }
        for (const auto &file : files) {
            std::ifstream stream(file, std::ios::binary);
            const std::vector<char> bytes{std::istreambuf_iterator<char>(stream), std::istreambuf_iterator<char>()};
            // A copy of exactly the input's size, so that ASan sees a read past its end.
            std::vector<uint8_t> data(bytes.begin(), bytes.end());
            static uint8_t none = 0;   // libFuzzer never passes a null pointer, even for no bytes
            LLVMFuzzerTestOneInput(data.empty() ? &none : data.data(), data.size());
            ++replayed;
        }
    }
    if (replayed == 0) {
        std::fprintf(stderr, "replay: no corpus given\n");
        return 1;
    }
    std::printf("replay: %zu inputs, no crash\n", replayed);
    return 0;
}
