// `datacenter`: nodes, racks, fabric, power and cost of N GPUs of a cluster kind.
#include <iostream>
#include <memory>

#include "colossim/api.hpp"
#include "colossim/datacenter_report.hpp"
#include "command.hpp"

namespace colossim::cli {

Command add_datacenter(CLI::App& root) {
    auto* cmd = root.add_subcommand("datacenter", "nodes, racks, network, power and cost of N GPUs");
    auto flags = std::make_shared<KeyFlags>();
    auto json = std::make_shared<bool>(false);
    flags->add_to(*cmd, api::datacenter_flags());
    cmd->add_flag("--json", *json, "print one JSON object");
    return {cmd, [flags, json](const Catalog& catalog) {
                api::DatacenterAnswer a = api::datacenter_scenario(catalog, {flags->options(), flags->overrides()});
                print_warnings(Diagnostics{a.warnings});
                std::cout << (*json ? datacenter_json(a.datacenter, a.warnings) + "\n" : datacenter_table(a.datacenter));
                return 0;
            }};
}

}  // namespace colossim::cli
