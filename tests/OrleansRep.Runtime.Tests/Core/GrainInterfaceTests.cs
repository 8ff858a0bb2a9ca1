using OrleansRep.Runtime.Core;

namespace OrleansRep.Runtime.Tests.Core;

public interface ISyncMethodGrain : IGrainWithStringKey
{
    int Count();
}

public interface IRefParameterGrain : IGrainWithStringKey
{
    Task Swap(ref int value);
}

public interface IGenericMethodGrain : IGrainWithStringKey
{
    Task<T> Fetch<T>();
}

public interface IPropertyGrain : IGrainWithStringKey
{
    string Name { get; }
}

public interface IUnregisteredGrain : IGrainWithStringKey
{
    Task Ping();
}

public sealed class SyncMethodGrain : Grain, ISyncMethodGrain
{
    public int Count() => 0;
}

public interface IShapesGrain : IGrainWithStringKey
{
    Task Plain();

    Task<string> Text(string prefix, int number);

    ValueTask PlainValue();

    ValueTask<int> Number(int seed);
}

public sealed class ShapesGrain : Grain, IShapesGrain
{
    public Task Plain() => Task.CompletedTask;

    public async Task<string> Text(string prefix, int number)
    {
        await Task.Yield();
        return $"{prefix}{number}";
    }

    public ValueTask PlainValue() => ValueTask.CompletedTask;

    public async ValueTask<int> Number(int seed)
    {
        await Task.Yield();
        return seed * 2;
    }
}

public sealed class GrainInterfaceTests
{
    [Theory]
    [InlineData(typeof(ISyncMethodGrain), "Count")]
    [InlineData(typeof(IRefParameterGrain), "Swap")]
    [InlineData(typeof(IGenericMethodGrain), "Fetch")]
    [InlineData(typeof(IPropertyGrain), "get_Name")]
    public async Task Reference_to_an_interface_with_an_uncallable_method_is_rejected(Type grainInterface, string method)
    {
        await using var silo = new SiloBuilder().Build();
        var getGrain = typeof(IGrainFactory).GetMethod(nameof(IGrainFactory.GetGrain))!.MakeGenericMethod(grainInterface);

        var error = Assert.Throws<InvalidGrainInterfaceException>(() =>
        {
            try
            {
                getGrain.Invoke(silo.GrainFactory, ["k"]);
            }
            catch (System.Reflection.TargetInvocationException ex) when (ex.InnerException is not null)
            {
                throw ex.InnerException;
            }
        });

        Assert.Contains(method, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Registering_a_grain_with_an_uncallable_interface_is_rejected()
    {
        var builder = new SiloBuilder();

        Assert.Throws<InvalidGrainInterfaceException>(() => builder.AddGrain<ISyncMethodGrain, SyncMethodGrain>());
    }

    [Fact]
    public async Task Reference_to_an_unregistered_interface_is_rejected()
    {
        await using var silo = new SiloBuilder().Build();

        var error = Assert.Throws<ArgumentException>(() => silo.GrainFactory.GetGrain<IUnregisteredGrain>("k"));
        Assert.Contains(nameof(IUnregisteredGrain), error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Every_supported_return_shape_round_trips()
    {
        await using var silo = new SiloBuilder().AddGrain<IShapesGrain, ShapesGrain>().Build();
        var grain = silo.GrainFactory.GetGrain<IShapesGrain>("k");

        await grain.Plain();
        await grain.PlainValue();
        Assert.Equal("n7", await grain.Text("n", 7));
        Assert.Equal(42, await grain.Number(21));
        Assert.Equal(new GrainId(typeof(ShapesGrain).FullName!, "k"), grain.GetGrainId());
        Assert.Contains("IShapesGrain", grain.ToString(), StringComparison.Ordinal);
        Assert.Equal(grain, silo.GrainFactory.GetGrain<IShapesGrain>("k"));
        Assert.NotEqual(grain, silo.GrainFactory.GetGrain<IShapesGrain>("other"));
    }
}
