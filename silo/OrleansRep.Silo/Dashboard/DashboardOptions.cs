namespace OrleansRep.Silo.Dashboard;

/// <summary>How the dashboard samples and what it keeps. The defaults suit a handful of sites.</summary>
public sealed class DashboardOptions
{
    /// <summary>How often the snapshot is computed and sent to every open page. Default 1 s.</summary>
    public TimeSpan SampleInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Chart samples kept for a page that opens later (one per <see cref="SampleInterval"/>). Default 300 (5 min).</summary>
    public int HistorySamples { get; set; } = 300;

    /// <summary>How long a sample waits for another site's answer before showing that site as down. Default 800 ms.</summary>
    public TimeSpan RemoteTimeout { get; set; } = TimeSpan.FromMilliseconds(800);

    /// <summary>How long a site waits for its own site grain's status. Default 500 ms.</summary>
    public TimeSpan StatusTimeout { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Events of this site kept for the other sites' dashboards to fetch. Default 500.</summary>
    public int RetainedEvents { get; set; } = 500;

    /// <summary>Most events one site hands over per sample. Default 200.</summary>
    public int MaxEventsPerSample { get; set; } = 200;

    /// <summary>Events in the timeline (every site's, newest kept). Default 200.</summary>
    public int TimelineEvents { get; set; } = 200;

    /// <summary>Snapshots queued for one slow page before the oldest are dropped. Default 4.</summary>
    public int ClientBuffer { get; set; } = 4;

    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(SampleInterval, TimeSpan.FromMilliseconds(10), nameof(SampleInterval));
        ArgumentOutOfRangeException.ThrowIfLessThan(HistorySamples, 1, nameof(HistorySamples));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(RemoteTimeout, TimeSpan.Zero, nameof(RemoteTimeout));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(StatusTimeout, TimeSpan.Zero, nameof(StatusTimeout));
        ArgumentOutOfRangeException.ThrowIfLessThan(RetainedEvents, 1, nameof(RetainedEvents));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxEventsPerSample, 1, nameof(MaxEventsPerSample));
        ArgumentOutOfRangeException.ThrowIfLessThan(TimelineEvents, 1, nameof(TimelineEvents));
        ArgumentOutOfRangeException.ThrowIfLessThan(ClientBuffer, 1, nameof(ClientBuffer));
    }
}
