using System.Globalization;
using System.Text.Json;
using OrleansRep.Grains.Interfaces;

namespace OrleansRep.Cli.Cluster;

/// <summary>
/// The recovery master's part of <c>orep status</c>, from every answering site's recovery view: the recovery master
/// (the one most sites name; ties to the one the highest map generation names), bans, and the last recovery.
/// Text: three lines (a fourth with the ban credits when the recovery master holds any); JSON:
/// <c>"recovery":{"master":N,"mapGeneration":G,"bans":[{"site","until","reason"}],"lastRecovery":{"time","reason"}|null,
/// "credits":[{"site","credits","lastAt","reason"}]}</c> (the credits from the recovery master's own view).
/// </summary>
internal static class RecoveryStatusText
{
    public static int MasterOf(IReadOnlyList<RecoveryView> views) =>
        views.GroupBy(v => v.RecoveryMaster).OrderByDescending(g => g.Count()).ThenByDescending(g => g.Max(v => v.MapGeneration)).Select(g => g.Key).FirstOrDefault();

    private static IReadOnlyList<SiteBanCredits> CreditsOf(IReadOnlyList<RecoveryView> views) =>
        views.FirstOrDefault(v => v.Site == MasterOf(views))?.BanCredits ?? [];

    private static RecoveryView? Latest(IReadOnlyList<RecoveryView> views) => views.Where(v => v.LastRecoveryAt is not null).MaxBy(v => v.LastRecoveryAt);

    public static void Write(TextWriter writer, IReadOnlyList<RecoveryView> views)
    {
        var master = MasterOf(views);
        var generation = views.Select(v => v.MapGeneration).DefaultIfEmpty(0).Max();
        writer.Write(master == 0 ? "recovery master: none\n" : string.Create(CultureInfo.InvariantCulture, $"recovery master: site {master} (map generation {generation})\n"));
        var bans = views.Where(v => v.Banned).Select(v => string.Create(CultureInfo.InvariantCulture, $"site {v.Site} until {v.BannedUntil:O} ({v.BanReason})")).ToList();
        writer.Write("bans: " + (bans.Count == 0 ? "none" : string.Join("; ", bans)) + "\n");
        var last = Latest(views);
        writer.Write(last is null ? "last recovery: none\n" : string.Create(CultureInfo.InvariantCulture, $"last recovery: {last.LastRecoveryAt:O}: {last.LastRecovery}\n"));
        var credits = CreditsOf(views);
        if (credits.Count > 0)
        {
            writer.Write("ban credits: " + string.Join("; ", credits.Select(c => string.Create(CultureInfo.InvariantCulture, $"site {c.Site} {c.Credits} (last {c.LastAt:O}: {c.Reason})"))) + "\n");
        }
    }

    public static void Write(Utf8JsonWriter json, IReadOnlyList<RecoveryView> views)
    {
        ArgumentNullException.ThrowIfNull(json);
        json.WriteStartObject("recovery");
        json.WriteNumber("master", MasterOf(views));
        json.WriteNumber("mapGeneration", views.Select(v => v.MapGeneration).DefaultIfEmpty(0).Max());
        json.WriteStartArray("bans");
        foreach (var v in views.Where(v => v.Banned))
        {
            json.WriteStartObject();
            json.WriteNumber("site", v.Site);
            if (v.BannedUntil is { } until)
            {
                json.WriteString("until", until);
            }

            json.WriteString("reason", v.BanReason);
            json.WriteEndObject();
        }

        json.WriteEndArray();
        if (Latest(views) is { } last)
        {
            json.WriteStartObject("lastRecovery");
            json.WriteString("time", last.LastRecoveryAt!.Value);
            json.WriteString("reason", last.LastRecovery);
            json.WriteEndObject();
        }
        else
        {
            json.WriteNull("lastRecovery");
        }

        json.WriteStartArray("credits");
        foreach (var c in CreditsOf(views))
        {
            json.WriteStartObject();
            json.WriteNumber("site", c.Site);
            json.WriteNumber("credits", c.Credits);
            json.WriteString("lastAt", c.LastAt);
            json.WriteString("reason", c.Reason);
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteEndObject();
    }
}
