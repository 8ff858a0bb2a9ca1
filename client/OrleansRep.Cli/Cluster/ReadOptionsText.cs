using System.Globalization;
using OrleansRep.Client;

namespace OrleansRep.Cli.Cluster;

/// <summary><c>--consistency</c>: "linearizable" (default), "any" or "any:MS" (maximum staleness in ms), "atleast:TOKEN"
/// (the token <c>orep put</c> printed).</summary>
internal static class ReadOptionsText
{
    public const string Help = "linearizable (default), any[:MAX_STALENESS_MS], atleast:TOKEN";

    /// <exception cref="UsageException">Not one of the forms above.</exception>
    public static ReadOptions Parse(string? text)
    {
        var (kind, argument) = text?.Split(':', 2) is [var k, var a] ? (k, a) : (text ?? "linearizable", null);
        try
        {
            return kind.ToUpperInvariant() switch
            {
                "LINEARIZABLE" when argument is null => ReadOptions.Linearizable,
                "ANY" => ReadOptions.AnyReplica(argument is null ? TimeSpan.Zero : TimeSpan.FromMilliseconds(long.Parse(argument, NumberStyles.None, CultureInfo.InvariantCulture))),
                "ATLEAST" when argument is not null => ReadOptions.AtLeast(CommitTokens.ParseHex(argument)),
                _ => throw new FormatException(),
            };
        }
        catch (Exception e) when (e is FormatException or OverflowException)
        {
            throw new UsageException($"--consistency {text}: expected {Help}");
        }
    }
}
