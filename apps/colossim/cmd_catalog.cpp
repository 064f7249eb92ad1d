// `list` and `show`: the catalog.
#include <iostream>
#include <memory>

#include "command.hpp"

namespace colossim::cli {

Command add_list(CLI::App& root) {
    auto* cmd = root.add_subcommand("list", "list catalog entries");
    auto kind = std::make_shared<std::string>();
    cmd->add_option("kind", *kind, "models|gpus|clusters")->required()->check(CLI::IsMember({"models", "gpus", "clusters"}));
    return {cmd, [kind](const Catalog& catalog) {
                for (const auto& n : api::catalog_names(catalog, *kind)) std::cout << n << "\n";
                return 0;
            }};
}

Command add_show(CLI::App& root) {
    auto* cmd = root.add_subcommand("show", "describe a catalog entry or file");
    auto kind = std::make_shared<std::string>();
    auto name = std::make_shared<std::string>();
    cmd->add_option("kind", *kind, "model|gpu|cluster")->required()->check(CLI::IsMember({"model", "gpu", "cluster"}));
    cmd->add_option("name", *name, "catalog name or file")->required();
    return {cmd, [kind, name](const Catalog& catalog) {
                Diagnostics d;
                std::cout << api::catalog_show(catalog, *kind, *name, d);
                print_warnings(d);
                return 0;
            }};
}

}  // namespace colossim::cli
