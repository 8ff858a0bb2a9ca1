using System.Text.Json;
using OrleansRep.Cli.Cluster;
using OrleansRep.Grains.Interfaces;

namespace OrleansRep.Cli.Tests.Cluster;

/// <summary>The recovery master's part of <c>orep status</c> (text and JSON), from the sites' recovery views.</summary>
public sealed class RecoveryStatusTextTests
{
    private static readonly DateTimeOffset T = new(2026, 11, 21, 12, 0, 0, TimeSpan.Zero);

    private static RecoveryView View(int site, int master, long generation, bool banned = false, string? last = null) =>
        new(site, T, banned, banned ? T.AddMinutes(5) : null, false, master, generation, [], [])
        {
            BanReason = banned ? "operator ban for 300 s" : null,
            LastRecovery = last,
            LastRecoveryAt = last is null ? null : T.AddSeconds(generation),
        };

    [Fact]
    public void Text_names_the_recovery_master_most_sites_name_the_bans_and_the_last_recovery()
    {
        var output = new StringWriter();
        RecoveryStatusText.Write(output, [View(1, 2, 3, last: "shard 0: no master"), View(2, 2, 4, last: "site 3 not on map generation 3"), View(3, 1, 1, banned: true)]);
        Assert.Equal(
            "recovery master: site 2 (map generation 4)\n" +
            "bans: site 3 until 2026-11-21T12:05:00.0000000+00:00 (operator ban for 300 s)\n" +
            "last recovery: 2026-11-21T12:00:04.0000000+00:00: site 3 not on map generation 3\n",
            output.ToString());

        // The recovery master's ban credits, when it holds any: a fourth line.
        output = new StringWriter();
        RecoveryStatusText.Write(output, [View(1, 2, 3), View(2, 2, 3) with { BanCredits = [new SiteBanCredits(3, 4, T, "alive but left 5 polls in a row unanswered")] }]);
        Assert.EndsWith("ban credits: site 3 4 (last 2026-11-21T12:00:00.0000000+00:00: alive but left 5 polls in a row unanswered)\n", output.ToString(), StringComparison.Ordinal);

        output = new StringWriter();
        RecoveryStatusText.Write(output, [View(1, 0, 0)]);
        Assert.Equal("recovery master: none\nbans: none\nlast recovery: none\n", output.ToString());
    }

    [Fact]
    public void Json_has_master_generation_bans_and_last_recovery()
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream))
        {
            json.WriteStartObject();
            RecoveryStatusText.Write(json, [View(1, 2, 3), View(2, 2, 3, banned: true, last: "disagreement") with { BanCredits = [new SiteBanCredits(1, 2, T, "flapping")] }]);
            json.WriteEndObject();
        }

        using var document = JsonDocument.Parse(stream.ToArray());
        var recovery = document.RootElement.GetProperty("recovery");
        Assert.Equal(["master", "mapGeneration", "bans", "lastRecovery", "credits"], recovery.EnumerateObject().Select(p => p.Name));
        var credits = Assert.Single(recovery.GetProperty("credits").EnumerateArray().ToList());
        Assert.Equal((1, 2, "flapping"), (credits.GetProperty("site").GetInt32(), credits.GetProperty("credits").GetInt32(), credits.GetProperty("reason").GetString()));
        Assert.Equal((2, 3L), (recovery.GetProperty("master").GetInt32(), recovery.GetProperty("mapGeneration").GetInt64()));
        var ban = Assert.Single(recovery.GetProperty("bans").EnumerateArray().ToList());
        Assert.Equal((2, "operator ban for 300 s"), (ban.GetProperty("site").GetInt32(), ban.GetProperty("reason").GetString()));
        Assert.Equal("disagreement", recovery.GetProperty("lastRecovery").GetProperty("reason").GetString());
    }
}
