// auth: lesson 2-8 (MQTT 用户密码认证). The publish sketch with a user name and a password: the
// board logs in as test-user with the password ranye-iot and publishes "Hello World <n>" to
// test-user/Pub-<MAC> every 3 seconds. A server that refuses the login answers CONNACK 4 or 5, and
// the sketch prints that code as its client state.
//
// Against the lab: run `mqtt-lab --lan --auth test-user:ranye-iot` (or `--passwd FILE` with that line),
// put the mqttServer line it prints in place of the one below,
// set ssid and password, upload, and open the serial monitor at 115200 baud; change mqttPassword to
// see the refusal. Without a board, `mqtt-lab nodemcu --pty --sketch auth` (or `new esp --sketch auth`
// inside the lab) runs the same program on a virtual NodeMCU.
//
// 用户名和密码（第 2-8 课）：带用户名和密码的发布程序：以 test-user、密码 ranye-iot 登录，每 3 秒
// 向 test-user/Pub-<MAC> 发布 "Hello World <n>"。服务端拒绝登录时回 CONNACK 4 或 5，程序把这个
// 代码作为客户端状态打印出来。在电脑上运行
// `mqtt-lab --lan --auth test-user:ranye-iot`，把它打印的 mqttServer 那一行替换下面那一行，填好 Wi-Fi，
// 上传，串口监视器设为 115200；改掉 mqttPassword 就能看到被拒绝。没有开发板：
// `mqtt-lab nodemcu --pty --sketch auth`（或在实验室里 `new esp --sketch auth`）。

#include <ESP8266WiFi.h>
#include <PubSubClient.h>
#include <Ticker.h>

const char* ssid = "taichi-maker";        // your Wi-Fi 你的 Wi-Fi 名称
const char* password = "12345678";        // its password 密码
const char* mqttServer = "192.168.1.23";  // ← the line mqtt-lab --lan prints

const char* mqttUserName = "test-user";  // MQTT user name 用户名
const char* mqttPassword = "ranye-iot";  // MQTT password 密码 (sent in clear text in CONNECT)

Ticker ticker;
WiFiClient wifiClient;
PubSubClient mqttClient(wifiClient);

volatile int count = 0;  // seconds counted by the Ticker

void setup() {
  Serial.begin(115200);
  Serial.println();  // a clean line after the boot ROM's noise

  WiFi.mode(WIFI_STA);
  connectWifi();

  mqttClient.setServer(mqttServer, 1883);
  connectMQTTServer();

  ticker.attach(1, tickerCount);  // tickerCount() once a second
}

void loop() {
  if (mqttClient.connected()) {
    if (count >= 3) {  // every 3 seconds
      pubMQTTmsg();
      count = 0;
    }
    mqttClient.loop();  // keeps the heartbeat
  } else {
    connectMQTTServer();
  }
}

void tickerCount() {
  count++;
}

void connectMQTTServer() {
  String clientId = "esp8266-" + WiFi.macAddress();

  if (mqttClient.connect(clientId.c_str(), mqttUserName, mqttPassword)) {
    Serial.println("MQTT Server Connected.");
    Serial.println("Server Address: ");
    Serial.println(mqttServer);
    Serial.println("ClientId:");
    Serial.println(clientId);
    count = 0;  // the first message 3 s after connecting
  } else {
    Serial.print("MQTT Server Connect Failed. Client State:");
    Serial.println(mqttClient.state());  // 4 bad user name or password, 5 not authorized
    delay(5000);
  }
}

void pubMQTTmsg() {
  static int value = 0;  // Hello World 0, 1, 2 …

  // The topic starts with the user name: a server's ACL can give each user a subtree.
  String topicString = "test-user/Pub-" + WiFi.macAddress();
  String messageString = "Hello World " + String(value++);

  if (mqttClient.publish(topicString.c_str(), messageString.c_str())) {
    Serial.print("Publish Topic: ");
    Serial.println(topicString);
    Serial.print("Publish message: ");
    Serial.println(messageString);
  } else {
    Serial.println("Message Publish Failed.");
  }
}

void connectWifi() {
  WiFi.begin(ssid, password);
  while (WiFi.status() != WL_CONNECTED) {
    delay(1000);
    Serial.print(".");
  }
  Serial.println("");
  Serial.println("WiFi Connected!");
  Serial.println("");
}
