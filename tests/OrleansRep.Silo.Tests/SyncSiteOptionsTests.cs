using OrleansRep.Silo;

namespace OrleansRep.Silo.Tests;

/// <summary>The sync options of a site's command line: the flags alone or with a value, their defaults, and a sync
/// peer that is not another site of the group refused with the option named.</summary>
public sealed class SyncSiteOptionsTests
{
    private static SiteOptions Bind(params string[] args) => SiteConfiguration.Bind(SiteConfiguration.Build(args, settingsDirectory: "/nonexistent"));

    [Fact]
    public void The_sync_options_are_off_by_default()
    {
        var options = Bind("--site-id", "2");
        options.Validate();
        Assert.False(options.DelayClientSync);
        Assert.False(options.NoWait);
        Assert.Equal(0, options.SyncPeer);
    }

    [Fact]
    public void Flags_alone_mean_true_and_the_sync_peer_is_another_site()
    {
        var options = Bind("--site-id", "3", "--delay-client-sync", "--nowait", "--sync-peer", "2");
        options.Validate();
        Assert.True(options.DelayClientSync);
        Assert.True(options.NoWait);
        Assert.Equal(2, options.SyncPeer);
        Assert.False(Bind("--site-id", "3", "--nowait", "false", "--delay-client-sync").NoWait);
    }

    [Theory]
    [InlineData("3")]
    [InlineData("9")]
    [InlineData("-1")]
    public void A_sync_peer_that_is_not_another_site_of_the_group_is_refused(string peer)
    {
        var e = Assert.Throws<ArgumentException>(() => Bind("--site-id", "3", "--sync-peer", peer).Validate());
        Assert.Contains("SyncPeer (--sync-peer)", e.Message, StringComparison.Ordinal);
    }
}
