// MPI for the commands that spread work over ranks (sweep, fleet): started only when the
// process runs under mpirun, finalised when the session ends. Without MPI in the build,
// or outside mpirun, a session is one rank of one.
#pragma once

#include <cstddef>
#include <string>

namespace colossim::cli {

class MpiSession {
public:
    MpiSession();
    ~MpiSession();
    MpiSession(const MpiSession&) = delete;
    MpiSession& operator=(const MpiSession&) = delete;

    int rank() const { return rank_; }
    int size() const { return size_; }
    bool active() const { return active_; }

    // A byte string to one rank / from one rank (tag 0, in order).
    void send(const std::string& bytes, int to) const;
    std::string receive(int from) const;

private:
    bool active_ = false;
    int rank_ = 0, size_ = 1;
};

}  // namespace colossim::cli
