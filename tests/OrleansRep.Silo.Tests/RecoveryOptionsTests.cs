namespace OrleansRep.Silo.Tests;

/// <summary>The recovery master's silo options: CTDB's defaults, bound from the command line, bad values refused.</summary>
public sealed class RecoveryOptionsTests
{
    private static SiteOptions Bind(params string[] args) => SiteConfiguration.Bind(SiteConfiguration.Build(args, settingsDirectory: "/nonexistent"));

    [Fact]
    public void The_defaults_are_ctdbs_and_every_tunable_binds_from_the_command_line()
    {
        var defaults = Bind("--site-id", "1");
        defaults.Validate();
        Assert.Equal((TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(300), TimeSpan.FromSeconds(120)), (defaults.Recovery.RecoverInterval, defaults.Recovery.RecoveryBanPeriod, defaults.Recovery.RecoveryGracePeriod));

        var options = Bind("--site-id", "1", "--Recovery:RecoverInterval=00:00:00.250", "--Recovery:RecoveryBanPeriod=00:00:10", "--Recovery:RecoveryGracePeriod=00:00:20", "--Recovery:TakeoverInterval=00:00:02", "--Recovery:Takeover=false");
        options.Validate();
        Assert.Equal((TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(20), TimeSpan.FromSeconds(2), false),
            (options.Recovery.RecoverInterval, options.Recovery.RecoveryBanPeriod, options.Recovery.RecoveryGracePeriod, options.Recovery.TakeoverInterval, options.Recovery.Takeover));
    }

    [Fact]
    public void A_bad_tunable_is_refused_naming_it()
    {
        var e = Assert.Throws<ArgumentException>(() => Bind("--site-id", "1", "--Recovery:RecoverInterval=00:00:00").Validate());
        Assert.Contains("Recovery:RecoverInterval", e.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => Bind("--site-id", "1", "--Recovery:RecoveryBanPeriod=soon"));
    }
}
