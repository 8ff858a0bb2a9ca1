using OrleansRep.Runtime.Membership;

namespace OrleansRep.Runtime.Tests.Membership;

/// <summary>The merge rules of <see cref="MembershipView"/>: per-entry join, monotone statuses, versions that order results.</summary>
public sealed class MembershipViewMergeTests
{
    private static readonly SiloAddress A = new("10.0.0.1", 5000, 1);
    private static readonly SiloAddress B = new("10.0.0.2", 5000, 1);
    private static readonly SiloAddress C = new("10.0.0.3", 5000, 1);

    private static MembershipView View(long version, params (SiloAddress Silo, SiloStatus Status)[] entries) =>
        new(version, entries.Select(e => new MembershipEntry(e.Silo, e.Status)));

    [Fact]
    public void Concurrent_joins_at_the_same_version_both_survive_and_the_result_is_newer_than_either()
    {
        MembershipView admittedB = View(6, (A, SiloStatus.Active), (B, SiloStatus.Active));
        MembershipView admittedC = View(6, (A, SiloStatus.Active), (C, SiloStatus.Active));

        MembershipView merged = MembershipView.Merge(admittedB, admittedC);

        Assert.Equal([A, B, C], merged.ActiveSilos);
        Assert.Equal(7, merged.Version);
    }

    [Fact]
    public void A_merge_is_commutative_and_idempotent()
    {
        MembershipView x = View(4, (A, SiloStatus.Active), (B, SiloStatus.Joining));
        MembershipView y = View(9, (B, SiloStatus.Active), (C, SiloStatus.Dead));

        MembershipView xy = MembershipView.Merge(x, y);
        MembershipView yx = MembershipView.Merge(y, x);

        Assert.True(xy.ContentEquals(yx));
        Assert.Equal(xy.Version, yx.Version);
        Assert.Same(xy, MembershipView.Merge(xy, xy));
        Assert.Same(xy, MembershipView.Merge(xy, x));
    }

    [Fact]
    public void A_newer_view_that_adds_nothing_new_is_taken_as_is()
    {
        MembershipView older = View(3, (A, SiloStatus.Active));
        MembershipView newer = View(8, (A, SiloStatus.Active), (B, SiloStatus.Active));

        Assert.Same(newer, MembershipView.Merge(older, newer));
        Assert.Same(newer, MembershipView.Merge(newer, older));
    }

    [Fact]
    public void A_view_that_knows_more_but_has_a_lower_version_yields_a_version_above_both()
    {
        MembershipView knowsMore = View(3, (A, SiloStatus.Active), (B, SiloStatus.Dead));
        MembershipView higher = View(8, (A, SiloStatus.Active), (B, SiloStatus.Active));

        MembershipView merged = MembershipView.Merge(higher, knowsMore);

        Assert.Equal(SiloStatus.Dead, merged.StatusOf(B));
        Assert.Equal(9, merged.Version);
    }

    [Fact]
    public void A_dead_incarnation_is_never_resurrected_by_an_older_report()
    {
        MembershipView dead = View(5, (A, SiloStatus.Active), (B, SiloStatus.Dead));
        MembershipView stale = View(20, (A, SiloStatus.Active), (B, SiloStatus.Active));

        Assert.Equal(SiloStatus.Dead, MembershipView.Merge(dead, stale).StatusOf(B));
        Assert.Equal(SiloStatus.Dead, MembershipView.Merge(stale, dead).StatusOf(B));
    }

    [Fact]
    public void A_new_generation_on_the_same_endpoint_replaces_the_old_one_which_counts_as_dead()
    {
        var restarted = new SiloAddress(B.Host, B.Port, 2);
        MembershipView old = View(5, (A, SiloStatus.Active), (B, SiloStatus.Dead));
        MembershipView rejoined = View(2, (A, SiloStatus.Active), (restarted, SiloStatus.Active));

        MembershipView merged = MembershipView.Merge(old, rejoined);

        Assert.Equal([A, restarted], merged.ActiveSilos);
        Assert.True(merged.IsDead(B));
        Assert.Equal(SiloStatus.Active, merged.StatusOf(restarted));
        Assert.Null(merged.StatusOf(new SiloAddress(B.Host, B.Port, 3)));
    }

    [Fact]
    public void Votes_are_united_keeping_the_latest_per_suspecter()
    {
        var t0 = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var fromA = new MembershipView(1, [new MembershipEntry(C, SiloStatus.Active, [new SuspicionVote(A, t0), new SuspicionVote(B, t0)])]);
        var fromB = new MembershipView(1, [new MembershipEntry(C, SiloStatus.Active, [new SuspicionVote(B, t0.AddSeconds(1))])]);

        MembershipEntry merged = MembershipView.Merge(fromA, fromB).Entries.Single();

        Assert.Equal([new SuspicionVote(A, t0), new SuspicionVote(B, t0.AddSeconds(1))], merged.Votes.ToArray());
    }

    [Fact]
    public void A_view_with_two_entries_for_one_endpoint_is_rejected()
    {
        var again = new SiloAddress(A.Host, A.Port, 2);

        Assert.Throws<ArgumentException>(() => View(1, (A, SiloStatus.Dead), (again, SiloStatus.Active)));
    }

    [Fact]
    public void Bad_addresses_are_rejected()
    {
        Assert.Throws<ArgumentException>(() => new SiloAddress("", 1, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SiloAddress("h", 0, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SiloAddress("h", 70000, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SiloAddress("h", 1, 0));
        Assert.Throws<ArgumentException>(() => new SiloAddress(new string('h', 256), 1, 1));
    }
}
