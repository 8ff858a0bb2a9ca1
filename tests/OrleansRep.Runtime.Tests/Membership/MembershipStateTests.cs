using OrleansRep.Runtime.Membership;
using OrleansRep.Runtime.Tests.Support;

namespace OrleansRep.Runtime.Tests.Membership;

/// <summary>Suspicion and death-declaration thresholds of <see cref="MembershipState"/>, on a manual clock.</summary>
public sealed class MembershipStateTests
{
    private static readonly SiloAddress A = new("10.0.0.1", 5000, 1);
    private static readonly SiloAddress B = new("10.0.0.2", 5000, 1);
    private static readonly SiloAddress C = new("10.0.0.3", 5000, 1);
    private static readonly MembershipOptions Options = new();

    private readonly ManualTimeProvider _clock = new();

    private static MembershipState Cluster(SiloAddress self, params SiloAddress[] silos)
    {
        var state = new MembershipState(self, Options);
        state.Merge(new MembershipView(1, silos.Select(s => new MembershipEntry(s, SiloStatus.Active))));
        return state;
    }

    private ProbeOutcome Miss(MembershipState state, SiloAddress target, int times)
    {
        ProbeOutcome last = ProbeOutcome.None;
        for (int i = 0; i < times; i++)
        {
            _clock.Advance(Options.ProbePeriod);
            last = state.ApplyProbeResult(target, answered: false, _clock.GetUtcNow());
        }

        return last;
    }

    [Fact]
    public void Misses_below_the_limit_change_nothing_and_an_answer_resets_the_count()
    {
        MembershipState state = Cluster(A, A, B, C);
        long version = state.View.Version;

        Assert.Equal(ProbeOutcome.None, Miss(state, B, Options.MissedProbesLimit - 1));
        Assert.Equal(ProbeOutcome.None, state.ApplyProbeResult(B, answered: true, _clock.GetUtcNow()));
        Assert.Equal(ProbeOutcome.None, Miss(state, B, Options.MissedProbesLimit - 1));

        Assert.Equal(version, state.View.Version);
        Assert.Empty(state.View.FindEndpoint(B)!.Votes);
    }

    [Fact]
    public void With_three_silos_one_vote_suspects_and_a_second_voter_declares_dead()
    {
        MembershipState a = Cluster(A, A, B, C);
        MembershipState b = Cluster(B, A, B, C);

        Assert.Equal(2, a.VotesRequired());
        Assert.Equal(ProbeOutcome.Suspected, Miss(a, C, Options.MissedProbesLimit));
        Assert.Equal(SiloStatus.Active, a.View.StatusOf(C));
        Assert.Equal([A], a.View.FindEndpoint(C)!.Votes.Select(v => v.Suspecter));

        b.Merge(a.View);
        Assert.Equal(ProbeOutcome.DeclaredDead, Miss(b, C, Options.MissedProbesLimit));
        Assert.Equal(SiloStatus.Dead, b.View.StatusOf(C));
        Assert.Equal([A, B], b.View.ActiveSilos);
    }

    [Fact]
    public void Two_voters_that_voted_before_seeing_each_other_declare_dead_at_the_next_miss()
    {
        MembershipState a = Cluster(A, A, B, C);
        MembershipState b = Cluster(B, A, B, C);
        Assert.Equal(ProbeOutcome.Suspected, Miss(a, C, Options.MissedProbesLimit));
        Assert.Equal(ProbeOutcome.Suspected, Miss(b, C, Options.MissedProbesLimit));

        a.Merge(b.View);
        Assert.Equal(SiloStatus.Active, a.View.StatusOf(C));

        Assert.Equal(ProbeOutcome.DeclaredDead, Miss(a, C, 1));
    }

    [Fact]
    public void With_two_silos_the_single_prober_declares_dead_after_the_missed_probe_limit()
    {
        MembershipState a = Cluster(A, A, B);

        Assert.Equal(1, a.VotesRequired());
        Assert.Equal(ProbeOutcome.None, Miss(a, B, Options.MissedProbesLimit - 1));
        Assert.Equal(ProbeOutcome.DeclaredDead, Miss(a, B, 1));
        Assert.True(a.View.IsDead(B));
        Assert.Empty(a.ProbeTargets());
    }

    [Fact]
    public void An_expired_vote_no_longer_counts()
    {
        MembershipState a = Cluster(A, A, B, C);
        MembershipState b = Cluster(B, A, B, C);
        Miss(a, C, Options.MissedProbesLimit);
        b.Merge(a.View);

        _clock.Advance(Options.DeathVoteExpiration);

        Assert.Equal(ProbeOutcome.Suspected, Miss(b, C, Options.MissedProbesLimit));
        Assert.Equal(SiloStatus.Active, b.View.StatusOf(C));
    }

    [Fact]
    public void A_dead_incarnation_cannot_be_admitted_and_the_view_is_unchanged_but_a_new_generation_can()
    {
        MembershipState a = Cluster(A, A, B);
        Miss(a, B, Options.MissedProbesLimit);
        MembershipView before = a.View;

        Assert.Throws<SiloDeclaredDeadException>(() => a.Admit(B));
        Assert.Same(before, a.View);

        var restarted = new SiloAddress(B.Host, B.Port, B.Generation + 1);
        Assert.True(a.Admit(restarted));
        Assert.Equal([A, restarted], a.View.ActiveSilos);
        Assert.True(a.View.Version > before.Version);
    }

    [Fact]
    public void Each_silo_probes_its_successors_on_the_ring_of_active_silos()
    {
        var d = new SiloAddress("10.0.0.4", 5000, 1);
        var e = new SiloAddress("10.0.0.5", 5000, 1);

        MembershipState state = Cluster(d, A, B, C, d, e);

        Assert.Equal([e, A, B], state.ProbeTargets());
        Assert.Empty(new MembershipState(A, Options).ProbeTargets());
    }

    [Fact]
    public void A_silo_learns_it_is_dead_from_a_merged_view()
    {
        MembershipState b = Cluster(B, A, B);
        MembershipState a = Cluster(A, A, B);
        Miss(a, B, Options.MissedProbesLimit);

        b.Merge(a.View);

        Assert.Equal(SiloStatus.Dead, b.SelfStatus);
        Assert.Throws<SiloDeclaredDeadException>(() => b.Admit(C));
    }

    [Fact]
    public void Out_of_range_options_are_rejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new MembershipState(A, new MembershipOptions { MissedProbesLimit = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new MembershipState(A, new MembershipOptions { ProbeTimeout = TimeSpan.Zero }));
    }
}
