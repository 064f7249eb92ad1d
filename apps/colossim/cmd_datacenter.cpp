// `datacenter`: nodes, racks, fabric, power and cost of N GPUs of a cluster kind.
#include <iostream>
#include <memory>

#include "colossim/datacenter.hpp"
#include "colossim/datacenter_report.hpp"
#include "command.hpp"

namespace colossim::cli {

Command add_datacenter(CLI::App& root) {
    auto* cmd = root.add_subcommand("datacenter", "nodes, racks, network, power and cost of N GPUs");
    auto flags = std::make_shared<KeyFlags>();
    auto json = std::make_shared<bool>(false);
    flags->add_to(*cmd, {
        {"cluster", "cluster", false, "catalog name or YAML file (required)"},
        {"gpus", "gpus", false, "number of GPUs (required)"},
        {"duration", "duration", false, "a run's length, for its energy, e.g. 90d"},
        {"prices", "prices", false, "prices: a data/prices name or a file (default: default)"},
        {"pue", "pue", false, "power usage effectiveness (default: the cluster's)"},
        {"price-gpu", "gpu", true, "USD per GPU"},
        {"price-node", "node", true, "USD per server without its GPUs"},
        {"price-switch", "switch", true, "USD per switch"},
        {"price-transceiver", "transceiver", true, "USD per optical transceiver (one link end)"},
        {"price-cable", "cable", true, "USD per link cable"},
        {"price-electricity", "electricity_per_kwh", true, "USD per kWh"},
    });
    cmd->add_flag("--json", *json, "print one JSON object");
    return {cmd, [flags, json](const Catalog& catalog) {
                Diagnostics diagnostics;
                DatacenterOptions o = read_datacenter_options(flags->options(), diagnostics);
                ClusterSpec c = catalog.cluster(o.cluster, "cluster", diagnostics);
                if (o.pue) c.pue = *o.pue;
                Prices prices = load_prices(catalog, o.prices, flags->overrides(), diagnostics);
                Datacenter d = size_datacenter(c, o.gpus, prices, o.run, diagnostics);
                print_warnings(diagnostics);
                std::cout << (*json ? datacenter_json(d, diagnostics.warnings) + "\n" : datacenter_table(d));
                return 0;
            }};
}

}  // namespace colossim::cli
