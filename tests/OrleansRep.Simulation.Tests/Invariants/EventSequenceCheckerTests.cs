using OrleansRep.Replication;
using OrleansRep.Simulation.Invariants;
using OrleansRep.Simulation.Tests.Support;

namespace OrleansRep.Simulation.Tests.Invariants;

public sealed class EventSequenceCheckerTests
{
    private readonly EventSequenceChecker _checker = new();
    private readonly FakeSite _site = new(2) { Gen = 3 };

    private void Step(params Replication.Actions.RepAction[] actions) => _checker.Check(Steps.Of(_site, actions), [_site]);

    [Fact]
    public void Newmaster_then_startupdone_in_the_same_gen_is_legal()
    {
        Step(Steps.Event(RepEventKind.NewMaster, 3, site: 1));
        Step(Steps.Event(RepEventKind.StartupDone, 3));
        Step(Steps.Event(RepEventKind.NewMaster, 4, site: 3), Steps.Event(RepEventKind.StartupDone, 4));
    }

    [Fact]
    public void Startupdone_without_newmaster_in_that_gen_is_a_violation()
    {
        Step(Steps.Event(RepEventKind.NewMaster, 2, site: 1));
        var e = Assert.Throws<InvariantViolationException>(() => Step(Steps.Event(RepEventKind.StartupDone, 3)));
        Assert.Contains("site2 raised STARTUPDONE in gen 3 without NEWMASTER in that gen", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Startupdone_twice_in_a_gen_is_a_violation()
    {
        Step(Steps.Event(RepEventKind.NewMaster, 3, site: 1), Steps.Event(RepEventKind.StartupDone, 3));
        Assert.Throws<InvariantViolationException>(() => Step(Steps.Event(RepEventKind.StartupDone, 3)));
    }

    [Fact]
    public void Newmaster_twice_in_a_gen_is_a_violation_but_not_after_a_restart()
    {
        Step(Steps.Event(RepEventKind.NewMaster, 3, site: 1));
        Assert.Throws<InvariantViolationException>(() => Step(Steps.Event(RepEventKind.NewMaster, 3, site: 1)));

        _site.Incarnation++;
        Step(Steps.Event(RepEventKind.NewMaster, 3, site: 1));
    }

    [Fact]
    public void After_a_restart_startupdone_may_follow_a_newmaster_raised_before_the_crash_once_more()
    {
        Step(Steps.Event(RepEventKind.NewMaster, 3, site: 1), Steps.Event(RepEventKind.StartupDone, 3));
        _site.Incarnation++;
        Step(Steps.Event(RepEventKind.StartupDone, 3));
        Assert.Throws<InvariantViolationException>(() => Step(Steps.Event(RepEventKind.StartupDone, 3)));
        Assert.Throws<InvariantViolationException>(() => Step(Steps.Event(RepEventKind.StartupDone, 4)));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(2)]
    public void Newmaster_naming_no_site_or_itself_is_a_violation(int named) =>
        Assert.Throws<InvariantViolationException>(() => Step(Steps.Event(RepEventKind.NewMaster, 3, site: named)));

    [Fact]
    public void Elected_twice_in_one_egen_is_a_violation_even_across_a_restart()
    {
        _site.Egen = 5;
        Step(Steps.Event(RepEventKind.Elected, 3));
        _site.Egen = 6;
        Step(Steps.Event(RepEventKind.Elected, 3));

        _site.Incarnation++;
        var e = Assert.Throws<InvariantViolationException>(() => Step(Steps.Event(RepEventKind.Elected, 3)));
        Assert.Contains("site2 raised ELECTED twice in egen 6", e.Message, StringComparison.Ordinal);
    }
}
