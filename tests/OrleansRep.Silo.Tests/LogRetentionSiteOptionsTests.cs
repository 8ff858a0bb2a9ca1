using OrleansRep.Grains.Shards;
using OrleansRep.Silo;

namespace OrleansRep.Silo.Tests;

/// <summary><c>--LogRetentionForLaggingClients</c>: its default (the grains' own), a value from the command line,
/// zero (no retention for clients) allowed, a negative value refused with the option named.</summary>
public sealed class LogRetentionSiteOptionsTests
{
    private static SiteOptions Bind(params string[] args) => SiteConfiguration.Bind(SiteConfiguration.Build(args, settingsDirectory: "/nonexistent"));

    [Fact]
    public void The_default_is_ten_minutes_as_the_grains_have_it()
    {
        var options = Bind("--site-id", "2");
        options.Validate();
        Assert.Equal(TimeSpan.FromMinutes(10), options.LogRetentionForLaggingClients);
        Assert.Equal(new SiteStorageOptions().LogRetentionForLaggingClients, options.LogRetentionForLaggingClients);
    }

    [Theory]
    [InlineData("00:00:30", 30)]
    [InlineData("00:00:00", 0)]
    public void A_value_from_the_command_line_is_taken(string value, int seconds)
    {
        var options = Bind("--site-id", "2", $"--LogRetentionForLaggingClients={value}");
        options.Validate();
        Assert.Equal(TimeSpan.FromSeconds(seconds), options.LogRetentionForLaggingClients);
    }

    [Fact]
    public void A_negative_retention_is_refused_with_the_option_named()
    {
        var e = Assert.Throws<ArgumentException>(() => Bind("--site-id", "2", "--LogRetentionForLaggingClients=-00:00:01").Validate());
        Assert.Contains("LogRetentionForLaggingClients", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_grains_refuse_a_negative_retention_too()
    {
        var options = new SiteStorageOptions { LogRetentionForLaggingClients = TimeSpan.FromSeconds(-1) };
        var e = Assert.Throws<ArgumentOutOfRangeException>(options.Validate);
        Assert.Equal(nameof(SiteStorageOptions.LogRetentionForLaggingClients), e.ParamName);
    }

    [Fact]
    public void The_size_cap_is_off_by_default_and_taken_from_the_command_line()
    {
        Assert.Equal(0, Bind("--site-id", "2").LogRetentionMaxBytes);
        var options = Bind("--site-id", "2", "--LogRetentionMaxBytes=2147483648");
        options.Validate();
        Assert.Equal(2L << 30, options.LogRetentionMaxBytes);
        var e = Assert.Throws<ArgumentException>(() => Bind("--site-id", "2", "--LogRetentionMaxBytes=-1").Validate());
        Assert.Contains("LogRetentionMaxBytes", e.Message, StringComparison.Ordinal);
    }
}
