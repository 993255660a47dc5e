%% The Erlang side of vs_erlang.sh: the modes and "LABEL VALUE" lines of
%% scheduled.eta, measured the same way (see there).
%%   erl -noshell -run scheduled main MODE ARG... -s init stop, after erlc;
%%   MODE ARG... is spawn-reply N, many N, roundtrip N or fib K N
-module(scheduled).
-export([main/1]).

main(["spawn-reply", N]) ->
    K = list_to_integer(N),
    spawn_reply(),
    report("spawn_reply_us", elapsed_us(fun() -> repeat(K, fun spawn_reply/0) end) / K);
main(["many", N]) ->
    K = list_to_integer(N),
    report("many_ms", elapsed_us(fun() -> many(K) end) / 1000),
    report("many_peak_rss_mb", peak_rss_mb());
main(["roundtrip", N]) ->
    K = list_to_integer(N),
    Echo = spawn(fun echo/0),
    round_trips(Echo, 1),
    report("roundtrip_us", elapsed_us(fun() -> round_trips(Echo, K) end) / K),
    Echo ! stop;
main(["fib", K, N]) ->
    Count = list_to_integer(K),
    Depth = list_to_integer(N),
    Self = self(),
    InActor = fun(Times) ->
                  spawn(fun() -> repeat(Times, fun() -> fib(Depth) end), Self ! {self(), done} end)
              end,
    Await = fun(Pid) -> receive {Pid, done} -> ok end end,
    report("fib_parallel_ms",
           elapsed_us(fun() -> lists:foreach(Await, [InActor(1) || _ <- lists:seq(1, Count)]) end)
           / 1000),
    report("fib_sequential_ms", elapsed_us(fun() -> Await(InActor(Count)) end) / 1000).

report(Label, Value) -> io:format("~s ~p~n", [Label, float(Value)]).

elapsed_us(F) ->
    T0 = erlang:monotonic_time(microsecond),
    F(),
    erlang:monotonic_time(microsecond) - T0.

repeat(0, _) -> ok;
repeat(K, F) -> F(), repeat(K - 1, F).

spawn_reply() ->
    Self = self(),
    Pid = spawn(fun() -> Self ! {self(), hi} end),
    receive {Pid, hi} -> ok end.

waiter(Parent) ->
    receive M -> Parent ! {self(), M + 1} end.

many(K) ->
    Self = self(),
    Pids = [spawn(fun() -> waiter(Self) end) || _ <- lists:seq(1, K)],
    lists:foreach(fun(P) -> P ! 1 end, Pids),
    Sum = lists:foldl(fun(P, Acc) -> receive {P, V} -> Acc + V end end, 0, Pids),
    Sum = 2 * K.

echo() ->
    receive
        {From, M} -> From ! {self(), M}, echo();
        stop -> ok
    end.

round_trips(_, 0) -> ok;
round_trips(Pid, K) ->
    Pid ! {self(), K},
    receive {Pid, K} -> ok end,
    round_trips(Pid, K - 1).

fib(K) when K < 2 -> K;
fib(K) -> fib(K - 1) + fib(K - 2).

%% The peak resident set of this OS process in MiB (VmHWM).
peak_rss_mb() ->
    {ok, Status} = file:read_file("/proc/self/status"),
    [Line] = [L || L <- binary:split(Status, <<"\n">>, [global]), binary:part(L, 0, min(6, byte_size(L))) =:= <<"VmHWM:">>],
    [Kb | _] = string:lexemes(binary_to_list(binary:part(Line, 6, byte_size(Line) - 6)), " \t"),
    list_to_integer(Kb) / 1024.
