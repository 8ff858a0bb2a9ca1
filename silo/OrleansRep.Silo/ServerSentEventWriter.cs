using System.Globalization;
using System.Net.ServerSentEvents;
using System.Text.Json;
using System.Threading.Channels;
using OrleansRep.Grains.Interfaces;
using OrleansRep.Runtime.Streams;

namespace OrleansRep.Silo;

/// <summary>Turns the site's event stream into server-sent events (id = sequence token, event = kind, data = JSON) on a
/// bounded channel that one <c>/api/events</c> response drains.</summary>
internal sealed class ServerSentEventWriter(ChannelWriter<SseItem<string>> writer, JsonSerializerOptions json) : IAsyncObserver<SiteEvent>
{
    public Task OnNextAsync(SiteEvent item, StreamSequenceToken token)
    {
        writer.TryWrite(new SseItem<string>(JsonSerializer.Serialize(item, json), item.Kind.ToString()) { EventId = token.SequenceNumber.ToString(CultureInfo.InvariantCulture) });
        return Task.CompletedTask;
    }

    public Task OnErrorAsync(Exception exception)
    {
        writer.TryComplete(exception);
        return Task.CompletedTask;
    }

    public Task OnCompletedAsync()
    {
        writer.TryComplete();
        return Task.CompletedTask;
    }
}
