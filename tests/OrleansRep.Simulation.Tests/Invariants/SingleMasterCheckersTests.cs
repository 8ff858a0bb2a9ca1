using OrleansRep.Replication;
using OrleansRep.Simulation.Invariants;
using OrleansRep.Simulation.Tests.Support;

namespace OrleansRep.Simulation.Tests.Invariants;

public sealed class SingleMasterCheckersTests
{
    [Fact]
    public void Two_masters_in_one_generation_are_a_violation()
    {
        var checker = new SingleMasterPerGenerationChecker();
        var a = new FakeSite(1) { Role = RepRole.Master, Gen = 2 };
        var b = new FakeSite(2) { Role = RepRole.Client, Gen = 2 };
        checker.Check(Steps.Of(a), [a, b]);

        b.Role = RepRole.Master;
        var e = Assert.Throws<InvariantViolationException>(() => checker.Check(Steps.Of(b), [a, b]));
        Assert.Contains("site2 is master in gen 2, which site1 was master of", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_master_in_a_gen_another_site_held_earlier_is_a_violation_even_after_that_site_stepped_down()
    {
        var checker = new SingleMasterPerGenerationChecker();
        var a = new FakeSite(1) { Role = RepRole.Master, Gen = 2 };
        var b = new FakeSite(2) { Gen = 1 };
        checker.Check(Steps.Of(a), [a, b]);
        a.Role = RepRole.Client;
        checker.Check(Steps.Of(a), [a, b]);

        b.Role = RepRole.Master;
        b.Gen = 2;
        Assert.Throws<InvariantViolationException>(() => checker.Check(Steps.Of(b), [a, b]));
    }

    [Fact]
    public void Successive_masters_in_new_generations_and_a_crashed_master_are_fine()
    {
        var checker = new SingleMasterPerGenerationChecker();
        var a = new FakeSite(1) { Role = RepRole.Master, Gen = 1 };
        var b = new FakeSite(2) { Gen = 1 };
        checker.Check(Steps.Of(a), [a, b]);
        a.IsUp = false;
        b.Role = RepRole.Master;
        b.Gen = 2;
        checker.Check(Steps.Of(b), [a, b]);
        a.IsUp = true;
        a.Role = RepRole.Master;
        a.Gen = 3;
        b.Role = RepRole.Client;
        checker.Check(Steps.Of(a), [a, b]);
        checker.Check(Steps.Of(a), [a, b]);
    }

    [Fact]
    public void Two_sites_holding_a_lease_at_once_are_a_violation()
    {
        var checker = new SingleLeaseHolderChecker();
        var a = new FakeSite(1) { Role = RepRole.Master, Gen = 1, HoldsLease = true };
        var b = new FakeSite(2) { Role = RepRole.Master, Gen = 2 };
        checker.Check(Steps.Of(b), [a, b]);

        b.HoldsLease = true;
        var e = Assert.Throws<InvariantViolationException>(() => checker.Check(Steps.Of(b), [a, b]));
        Assert.Contains("site1 and site2 all hold a master lease", e.Message, StringComparison.Ordinal);

        a.IsUp = false;
        checker.Check(Steps.Of(b), [a, b]);
    }
}
