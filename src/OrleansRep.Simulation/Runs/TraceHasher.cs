using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using OrleansRep.Simulation.Cluster;

namespace OrleansRep.Simulation.Runs;

/// <summary>
/// The fingerprint of a run: SHA-256 over every step (index, time, site, input, each action, the site's log end
/// after it) and every note (crash, restart, faults). Two runs with the same fingerprint did the same thing; the
/// determinism test runs a seed twice and compares.
/// </summary>
public sealed class TraceHasher : IDisposable
{
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private readonly StringBuilder _line = new();
    private readonly SimCluster _cluster;
    private byte[]? _final;

    public TraceHasher(SimCluster cluster)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        _cluster = cluster;
        cluster.Stepped += OnStep;
        cluster.Noted += OnNote;
    }

    public long Lines { get; private set; }

    /// <summary>The hash as lowercase hex; the trace is closed.</summary>
    public string Finish()
    {
        _final ??= _hash.GetHashAndReset();
        return Convert.ToHexStringLower(_final);
    }

    public void Dispose() => _hash.Dispose();

    private void OnStep(StepRecord step)
    {
        _line.Clear();
        _line.Append(CultureInfo.InvariantCulture, $"{step.Index} {step.Time} {step.Site} {step.Input}");
        foreach (var action in step.Actions)
        {
            _line.Append(" | ").Append(action);
        }

        _line.Append(CultureInfo.InvariantCulture, $" @ {_cluster[step.Site].Store.LogEnd}\n");
        Add();
    }

    private void OnNote(long time, string text)
    {
        _line.Clear();
        _line.Append(CultureInfo.InvariantCulture, $"{time} note {text}\n");
        Add();
    }

    private void Add()
    {
        _hash.AppendData(Encoding.UTF8.GetBytes(_line.ToString()));
        Lines++;
    }
}
