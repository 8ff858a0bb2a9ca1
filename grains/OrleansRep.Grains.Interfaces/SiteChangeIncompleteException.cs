using System.Globalization;

namespace OrleansRep.Grains.Interfaces;

/// <summary>
/// A membership change was committed by some shards' masters but not by others within the time allowed (no master,
/// unreachable, ...). The message lists every shard with what happened to it; <see cref="FailedShards"/> are those to
/// retry (the change is idempotent: the shards that committed it already answer at once).
/// </summary>
public sealed class SiteChangeIncompleteException : ShardException
{
    public SiteChangeIncompleteException()
    {
    }

    public SiteChangeIncompleteException(string message)
        : base(message)
    {
        FailedShards = ReadShards(message);
    }

    public SiteChangeIncompleteException(string message, Exception innerException)
        : base(message, innerException)
    {
        FailedShards = ReadShards(message);
    }

    /// <summary>Builds the error from each failed shard and why it failed ("[failed=0,2]" carries the shards across the wire).</summary>
    public SiteChangeIncompleteException(string change, IReadOnlyDictionary<int, string> failures)
        : base(Describe(change, failures))
    {
        FailedShards = [.. failures.Keys.Order()];
    }

    /// <summary>The shards that did not commit the change.</summary>
    public IReadOnlyList<int> FailedShards { get; } = [];

    private static string Describe(string change, IReadOnlyDictionary<int, string> failures)
    {
        ArgumentNullException.ThrowIfNull(failures);
        var list = string.Join(",", failures.Keys.Order().Select(s => s.ToString(CultureInfo.InvariantCulture)));
        var why = string.Join("; ", failures.OrderBy(f => f.Key).Select(f => string.Create(CultureInfo.InvariantCulture, $"shard {f.Key}: {f.Value}")));
        return $"{change} was not committed by every shard [failed={list}]: {why}";
    }

    private static int[] ReadShards(string message)
    {
        const string Marker = "[failed=";
        var at = message.IndexOf(Marker, StringComparison.Ordinal);
        var end = at < 0 ? -1 : message.IndexOf(']', at);
        if (end < 0)
        {
            return [];
        }

        return [.. message[(at + Marker.Length)..end].Split(',', StringSplitOptions.RemoveEmptyEntries)
            .Select(s => int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : -1).Where(v => v >= 0)];
    }
}
