"""``make bench``: cold starts against their baselines, what the libraries we left out would add,
what the working calendar adds, the claimed-pin geometry (pure Python against shapely), the photo
pipeline against a naive one, and the local stack as reports pile up against moto as it comes, in
one run."""

from __future__ import annotations

from bench import (
    calendar_bench,
    cold_start,
    feed_bench,
    library_costs,
    local_stack,
    photo_bench,
    places_bench,
    stats_bench,
)


def main() -> None:
    cold_start.main()
    print()
    library_costs.main()
    print()
    calendar_bench.main()
    print()
    places_bench.main()
    print()
    photo_bench.main([])
    print()
    local_stack.main([])
    print()
    stats_bench.main()
    print()
    feed_bench.main()


if __name__ == "__main__":
    main()
