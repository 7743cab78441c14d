// The main() of every standalone SFN program (library sfn_main, linked by `sfn build` and by
// sfn_add_program()): the generated C++ defines the module entry `sfn_module_v1`; the runtime
// does the rest (sfn/run_options.h).
#include "sfn/run_options.h"

extern "C" const sfn_module* sfn_module_v1(const sfn_services* services);

int main(int argc, char** argv) { return sfn::runtime::program_main(argc, argv, &sfn_module_v1); }
