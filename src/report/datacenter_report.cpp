// `colossim datacenter` as a table and as JSON.
#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "colossim/datacenter_report.hpp"
#include "colossim/units_parse.hpp"

namespace colossim {

namespace {
double mw(Watts w) { return w.value / 1e6; }

// "$4.30 B", "$156.3 M", "$42,000"-like: dollars at a glance.
std::string usd(double v) {
    if (v >= 1e9) return fmt::format("${:.2f} B", v / 1e9);
    if (v >= 1e6) return fmt::format("${:.1f} M", v / 1e6);
    return fmt::format("${:.0f}", v);
}
}  // namespace

std::string datacenter_json(const Datacenter& d, const std::vector<std::string>& warnings) {
    nlohmann::ordered_json j;
    j["cluster"] = d.cluster;
    j["gpu"] = d.gpu;
    j["gpus"] = d.gpus;
    j["nodes"] = d.nodes;
    j["racks"] = d.racks;
    j["nvlink_domains"] = d.nvlink_domains;
    j["fabric"] = {{"switch", d.fabric.switch_model},
                   {"assumed", d.fabric_assumed},
                   {"tiers", d.network.tiers.size()},
                   {"radix", d.network.radix},
                   {"planes", d.network.planes},
                   {"rail_optimized", d.fabric.rail_optimized},
                   {"leaf_oversubscription", d.fabric.leaf_oversubscription},
                   {"spine_oversubscription", d.fabric.spine_oversubscription}};
    nlohmann::ordered_json switches, links, transceivers;
    for (const auto& t : d.network.tiers) {
        switches[t.name] = t.switches;
        links[t.links_name] = t.links;
        transceivers[t.links_name] = t.transceivers;
    }
    j["switches"] = switches;
    j["links"] = links;
    j["transceivers"] = d.network.transceivers();
    j["transceivers_by_tier"] = transceivers;
    j["it_power_mw"] = mw(d.it_power);
    j["it_power_by_part_mw"] = {{"gpus", mw(d.gpu_power)}, {"hosts", mw(d.host_power)}, {"network", mw(d.network_power)}};
    j["pue"] = d.pue;
    j["facility_power_mw"] = mw(d.facility_power);
    j["capex_usd"] = d.capex.total();
    j["capex_by_part_usd"] = {{"gpus", d.capex.gpus_usd},
                              {"hosts", d.capex.hosts_usd},
                              {"switches", d.capex.switches_usd},
                              {"transceivers", d.capex.transceivers_usd},
                              {"cables", d.capex.cables_usd}};
    j["power_cost_usd_per_year"] = d.power_cost_usd_per_year;
    if (d.run.value > 0) {
        j["run_s"] = d.run.value;
        j["energy_mwh"] = d.energy_mwh;
        j["energy_cost_usd"] = d.energy_cost_usd;
    } else {
        j["run_s"] = nullptr;
        j["energy_mwh"] = nullptr;
        j["energy_cost_usd"] = nullptr;
    }
    j["warnings"] = warnings;
    return j.dump(2);
}

std::string datacenter_table(const Datacenter& d) {
    std::string out;
    out += fmt::format("{} x {} ({})\n", d.gpus, d.gpu, d.cluster);
    out += fmt::format("  nodes          {:>10}\n  racks          {:>10}\n  NVLink domains {:>10}\n\n", d.nodes, d.racks,
                       d.nvlink_domains);
    out += fmt::format("fabric: {}-tier fat tree of {}-port {} switches (at the NIC speed), {} plane(s){}{}\n",
                       d.network.tiers.size(), d.network.radix, d.fabric.switch_model, d.network.planes,
                       d.fabric.rail_optimized ? ", rail-optimized" : "", d.fabric_assumed ? " (assumed)" : "");
    out += fmt::format("  {:<8} {:>9}   {:<11} {:>9} {:>13}\n", "tier", "switches", "links", "count", "transceivers");
    for (const auto& t : d.network.tiers) {
        out += fmt::format("  {:<8} {:>9}   {:<11} {:>9} {:>13}\n", t.name, t.switches, t.links_name, t.links,
                           t.transceivers);
    }
    out += fmt::format("  {:<8} {:>9}   {:<11} {:>9} {:>13}\n\n", "total", d.network.switches(), "", d.network.links(),
                       d.network.transceivers());
    out += fmt::format("power          {:.1f} MW IT (GPUs {:.1f}, hosts {:.1f}, network {:.1f}), {:.1f} MW facility "
                       "(PUE {:.2f})\n",
                       mw(d.it_power), mw(d.gpu_power), mw(d.host_power), mw(d.network_power), mw(d.facility_power),
                       d.pue);
    const auto& c = d.capex;
    out += fmt::format("capex          {} (GPUs {}, hosts {}, switches {}, optics {}, cables {})\n", usd(c.total()),
                       usd(c.gpus_usd), usd(c.hosts_usd), usd(c.switches_usd), usd(c.transceivers_usd),
                       usd(c.cables_usd));
    out += fmt::format("power cost     {} a year\n", usd(d.power_cost_usd_per_year));
    if (d.run.value > 0) {
        out += fmt::format("run of {}   {:.4g} MWh, {} of electricity\n", format_duration(d.run), d.energy_mwh,
                           usd(d.energy_cost_usd));
    }
    return out;
}

}  // namespace colossim
