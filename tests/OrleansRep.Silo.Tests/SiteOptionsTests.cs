using System.Net;
using OrleansRep.Replication;

namespace OrleansRep.Silo.Tests;

public sealed class SiteOptionsTests
{
    private static SiteOptions Bind(params string[] args) => SiteConfiguration.Bind(SiteConfiguration.Build(args, settingsDirectory: "/nonexistent"));

    [Fact]
    public void A_site_id_alone_gives_the_local_cluster_defaults_for_that_site()
    {
        var options = Bind("--site-id", "2");
        options.Validate();
        Assert.Equal(2, options.SiteId);
        Assert.Equal(IPEndPoint.Parse("127.0.0.1:11112"), options.SiteIPEndPoint);
        Assert.Equal(IPEndPoint.Parse("127.0.0.1:30002"), options.GatewayIPEndPoint);
        Assert.Equal(IPEndPoint.Parse("127.0.0.1:8082"), options.HttpIPEndPoint);
        Assert.Equal(4, options.Shards);
        Assert.Equal(AckPolicy.Quorum, options.AckPolicy);
        Assert.Equal(Path.Combine("data", "cluster.secret"), options.SecretFile);
        Assert.Equal([1, 2, 3], options.Group().Keys);
    }

    [Fact]
    public void Switches_and_long_names_bind_every_option()
    {
        var options = Bind(
            "--site-id", "5", "--data", "/srv/orep", "--sites", "5=127.0.0.1:7000/50,6=10.0.0.2:7000/0", "--site-endpoint", "127.0.0.1:7000",
            "--gateway-endpoint", "0.0.0.0:7001", "--http-endpoint", "127.0.0.1:0", "--priority", "50", "--shards", "8", "--ack-policy", "AllPeers",
            "--heartbeat", "00:00:00.250", "--election-timeout", "00:00:01", "--ack-timeout", "00:00:02", "--lease-timeout", "0", "--ClusterSecretFile=/etc/orep/secret");
        options.Validate();
        Assert.Equal("/srv/orep", options.DataRoot);
        Assert.Equal(8, options.Shards);
        Assert.Equal(AckPolicy.AllPeers, options.AckPolicy);
        Assert.Equal(TimeSpan.FromMilliseconds(250), options.Heartbeat);
        Assert.Equal(TimeSpan.Zero, options.LeaseTimeout);
        Assert.Equal("/etc/orep/secret", options.SecretFile);
        Assert.Equal((IPEndPoint.Parse("10.0.0.2:7000"), 0), options.Group()[6]);
        Assert.Equal(50, options.Group()[5].Priority);
    }

    [Theory]
    [InlineData("0", "SiteId must be a positive integer")]
    [InlineData("-3", "SiteId must be a positive integer")]
    [InlineData("4", "Sites ('1=127.0.0.1:11111,2=127.0.0.1:11112,3=127.0.0.1:11113') must list this site (4)")]
    public void A_bad_site_id_is_refused_with_a_clear_message(string id, string message)
    {
        var e = Assert.Throws<ArgumentException>(() => Bind("--site-id", id).Validate());
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new[] { "--site-id", "4" }, true)]
    [InlineData(new[] { "--site-id", "4", "--no-autoinit" }, false)]
    [InlineData(new[] { "--no-autoinit", "--site-id", "4" }, false)]
    [InlineData(new[] { "--site-id", "4", "--autoinit", "false" }, false)]
    [InlineData(new[] { "--site-id", "4", "--AutoInit=true" }, true)]
    public void AutoInit_is_on_by_default_and_no_autoinit_turns_it_off(string[] args, bool autoInit)
    {
        var options = Bind(args);
        Assert.Equal(autoInit, options.AutoInit);
        Assert.Equal(4, options.SiteId);
    }

    [Theory]
    [InlineData(new[] { "--site-id", "4", "--join" }, true)]
    [InlineData(new[] { "--join", "--site-id", "4" }, true)]
    [InlineData(new[] { "--site-id", "4", "--join", "false" }, false)]
    [InlineData(new[] { "--site-id", "4", "--JOIN", "true" }, true)]
    [InlineData(new[] { "--site-id", "4" }, false)]
    public void Join_is_a_flag_that_also_takes_a_value(string[] args, bool join)
    {
        var options = Bind(args);
        Assert.Equal(join, options.Join);
        Assert.Equal(4, options.SiteId);
    }

    [Fact]
    public void A_site_id_that_is_not_a_number_names_the_option()
    {
        var e = Assert.Throws<ArgumentException>(() => Bind("--site-id", "two"));
        Assert.Contains("SiteId", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--site-idd", "unknown option 'site-idd'")]
    [InlineData("--sites", "Sites: '1=localhost:1' is not \"id=ip:port[/priority]\"")]
    [InlineData("--site-endpoint", "SiteEndPoint: '0.0.0.0:11111' is not an ip:port peers can reach")]
    [InlineData("--http-endpoint", "SiteEndPoint and HttpEndPoint are both 127.0.0.1:11111")]
    [InlineData("--shards", "Shards must be 1..1024, not 0")]
    [InlineData("--priority", "Priority must be 0 or more, not -1")]
    public void Bad_options_are_refused_with_a_message_naming_them(string option, string message)
    {
        var value = option switch
        {
            "--sites" => "1=localhost:1",
            "--site-endpoint" => "0.0.0.0:11111",
            "--http-endpoint" => "127.0.0.1:11111",
            "--shards" => "0",
            "--priority" => "-1",
            _ => "1",
        };
        var e = Assert.Throws<ArgumentException>(() => Bind("--site-id", "1", option, value).Validate());
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_secret_file_is_refused_with_its_path()
    {
        var options = Bind("--site-id", "1", "--data", "/nonexistent/orep");
        var e = Assert.Throws<ArgumentException>(options.ReadSecret);
        Assert.Contains("the secret file '/nonexistent/orep/cluster.secret' does not exist", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_short_secret_is_refused()
    {
        var e = Assert.Throws<ArgumentException>(() => new SiteOptions { SiteId = 1, ClusterSecret = "short" }.ReadSecret());
        Assert.Contains("at least 16 bytes", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_command_line_wins_over_appsettings()
    {
        var directory = TestSupport.TempDirectory();
        try
        {
            File.WriteAllText(Path.Combine(directory, "appsettings.json"), """{ "SiteId": 3, "Shards": 16, "Priority": 7 }""");
            var options = SiteConfiguration.Bind(SiteConfiguration.Build(["--shards", "2"], directory));
            Assert.Equal((3, 2, 7), (options.SiteId!.Value, options.Shards, options.Priority));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
