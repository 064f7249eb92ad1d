// MpiSession (mpi_session.hpp): a no-op without COLOSSIM_WITH_MPI.
#include "mpi_session.hpp"

#include <cstdint>
#include <cstdlib>
#include <stdexcept>

#ifdef COLOSSIM_WITH_MPI
#include <mpi.h>
#endif

namespace colossim::cli {

#ifdef COLOSSIM_WITH_MPI
namespace {
bool started_by_mpirun() {
    return std::getenv("OMPI_COMM_WORLD_SIZE") != nullptr || std::getenv("PMI_SIZE") != nullptr ||
           std::getenv("PMIX_RANK") != nullptr;
}
}  // namespace

MpiSession::MpiSession() : active_(started_by_mpirun()) {
    if (!active_) return;
    MPI_Init(nullptr, nullptr);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
    MPI_Comm_size(MPI_COMM_WORLD, &size_);
}

MpiSession::~MpiSession() {
    if (active_) MPI_Finalize();
}

void MpiSession::send(const std::string& bytes, int to) const {
    std::uint64_t size = bytes.size();
    MPI_Send(&size, 1, MPI_UINT64_T, to, 0, MPI_COMM_WORLD);
    // In pieces below 2 GiB: MPI counts are ints.
    for (std::uint64_t done = 0; done < size;) {
        const int n = int(std::min<std::uint64_t>(size - done, 1u << 30));
        MPI_Send(bytes.data() + done, n, MPI_BYTE, to, 0, MPI_COMM_WORLD);
        done += std::uint64_t(n);
    }
}

std::string MpiSession::receive(int from) const {
    std::uint64_t size = 0;
    MPI_Recv(&size, 1, MPI_UINT64_T, from, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    std::string bytes(size, '\0');
    for (std::uint64_t done = 0; done < size;) {
        const int n = int(std::min<std::uint64_t>(size - done, 1u << 30));
        MPI_Recv(bytes.data() + done, n, MPI_BYTE, from, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        done += std::uint64_t(n);
    }
    return bytes;
}
#else
MpiSession::MpiSession() = default;
MpiSession::~MpiSession() = default;
void MpiSession::send(const std::string&, int) const { throw std::logic_error("no MPI in this build"); }
std::string MpiSession::receive(int) const { throw std::logic_error("no MPI in this build"); }
#endif

}  // namespace colossim::cli
